const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID, the form of our ids: anything else cannot name a row, and is refused early. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
