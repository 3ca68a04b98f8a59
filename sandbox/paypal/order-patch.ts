import { PaypalApiError, invalidRequest, unprocessable } from './errors';
import type { OrderIntent, PaypalOrder } from './order-types';

/**
 * JSON Patch on an order, limited as PayPal limits it: `replace` of `/intent`, and `add`,
 * `replace` or `remove` of a purchase unit's patchable fields, addressed by reference id
 * (`/purchase_units/@reference_id=='default'/amount`). The result is checked again by the caller
 * as a new order would be (sums, decimals, invoice id).
 */

const PATCHABLE_FIELDS = ['amount', 'custom_id', 'invoice_id', 'description', 'soft_descriptor', 'items', 'shipping', 'shipping/name', 'shipping/address', 'shipping/type'] as const;
const UNIT_PATH = /^\/purchase_units\/@reference_id=='([^']*)'\/(.+)$/;

interface PatchOperation {
  op: string;
  path?: unknown;
  value?: unknown;
}

type UnitFields = Record<string, unknown>;

function isOperation(value: unknown): value is PatchOperation {
  return typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string';
}

/** The order's intent and purchase units (as plain request JSON, without payee) after the operations. */
export function applyOrderPatch(order: PaypalOrder, operations: unknown[]): { intent: OrderIntent; purchase_units: UnitFields[] } {
  let intent = order.intent;
  const units: UnitFields[] = order.purchase_units.map(({ payee: _payee, ...unit }) => structuredClone(unit));
  operations.forEach((operation, index) => {
    if (!isOperation(operation)) throw invalidRequest('MISSING_REQUIRED_PARAMETER', 'A required field / parameter is missing.', `/${index}/op`);
    if (!['add', 'replace', 'remove'].includes(operation.op)) throw invalidRequest('INVALID_PATCH_OPERATION', 'The operation cannot be honored. Cannot add a property that is already present, use replace. Cannot remove a property thats not present, use add. Cannot replace a property thats not present, use add.', `/${index}/op`);
    if (typeof operation.path !== 'string' || operation.path === '') throw unprocessable('PATCH_PATH_REQUIRED', 'Specify a `path` for the field for which the operation needs to be performed.', `/${index}/path`);
    if (operation.op !== 'remove' && operation.value === undefined) throw unprocessable('PATCH_VALUE_REQUIRED', 'Please specify a value to for the field that is being patched.', `/${index}/value`);
    if (operation.path === '/intent') {
      if (operation.op !== 'replace' || (operation.value !== 'CAPTURE' && operation.value !== 'AUTHORIZE')) throw unprocessable('UNSUPPORTED_PATCH_PARAMETER_VALUE', 'The value specified for this field is not currently supported.', `/${index}/value`);
      intent = operation.value;
      return;
    }
    const match = UNIT_PATH.exec(operation.path);
    if (!match) throw unprocessable('INVALID_JSON_POINTER_FORMAT', "Path should be a valid JSON Pointer https://tools.ietf.org/html/rfc6901 that references a location within the request where the operation is performed, like /purchase_units/@reference_id=='default'/amount.", `/${index}/path`);
    const [, referenceId, field] = match as unknown as [string, string, (typeof PATCHABLE_FIELDS)[number]];
    if (!PATCHABLE_FIELDS.includes(field)) throw invalidRequest('FIELD_NOT_PATCHABLE', 'Field cannot be patched.', `/${index}/path`);
    const unit = units.find((candidate) => candidate.reference_id === referenceId);
    if (!unit) throw unprocessable('REFERENCE_ID_NOT_FOUND', 'Reference ID not found.', `/${index}/path`);
    if (field === 'amount' && operation.op === 'remove') throw invalidRequest('AMOUNT_NOT_PATCHABLE', 'The amount cannot be removed.', `/${index}/op`);
    const [top, inner] = field.split('/') as [string, string | undefined];
    const holder: UnitFields = inner ? ((unit[top] ??= {}) as UnitFields) : unit;
    const key = inner ?? top;
    const present = holder[key] !== undefined;
    if ((operation.op === 'replace' || operation.op === 'remove') && !present) {
      throw new PaypalApiError(400, [{ issue: 'INVALID_PATCH_OPERATION', description: 'Cannot replace or remove a property that is not present, use add.', field: `/${index}/op`, location: 'body' }]);
    }
    if (operation.op === 'remove') delete holder[key];
    else holder[key] = structuredClone(operation.value);
  });
  return { intent, purchase_units: units };
}
