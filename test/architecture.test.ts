import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { paymentProvider } from '@/db/schema';

/**
 * The provider seam (shared/design.md, "Layout"), checked on the source itself: provider SDKs
 * and provider folders are reached only through lib/payments' registry, lib/ never reaches up
 * into app/ or components/, and no file lists the providers by hand. Test files are left out:
 * they drive the sandbox with Stripe's SDK as the browser and the provider would.
 */

const ROOT = path.resolve(import.meta.dirname, '..');
const PROVIDERS: readonly string[] = paymentProvider.enumValues;
/** The SDKs of the providers (server and browser), by package name. */
const SDK = /^(stripe|@stripe\/.+|@paypal\/.+)$/;

interface SourceFile {
  /** Relative to the project root, with forward slashes. */
  file: string;
  source: ts.SourceFile;
}

const parsed = new Map<string, SourceFile>();

function parse(relative: string): SourceFile {
  let file = parsed.get(relative);
  if (!file) {
    const text = fs.readFileSync(path.join(ROOT, relative), 'utf8');
    file = { file: relative, source: ts.createSourceFile(relative, text, ts.ScriptTarget.Latest, true, relative.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS) };
    parsed.set(relative, file);
  }
  return file;
}

function sourceFiles(...folders: string[]): SourceFile[] {
  const found: SourceFile[] = [];
  const visit = (relative: string) => {
    const absolute = path.join(ROOT, relative);
    if (!fs.existsSync(absolute)) return;
    if (fs.statSync(absolute).isDirectory()) {
      for (const entry of fs.readdirSync(absolute)) visit(path.posix.join(relative, entry));
      return;
    }
    if (!/\.tsx?$/.test(relative) || /\.test\.tsx?$/.test(relative) || relative.endsWith('.d.ts')) return;
    found.push(parse(relative));
  };
  for (const folder of folders) visit(folder);
  return found;
}

/** Every module a file imports or re-exports (static, dynamic and type-only), as written. */
function importsOf({ source }: SourceFile): string[] {
  const specifiers: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      specifiers.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specifiers.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

/** An import as a project path (`lib/payments/stripe/client`), or null for a package. */
function projectPath(file: string, specifier: string): string | null {
  if (specifier.startsWith('@/')) return specifier.slice(2);
  if (specifier.startsWith('.')) return path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  return null;
}

function providerFolderOf(target: string): string | null {
  const match = /^lib\/payments\/([^/]+)(?:\/|$)/.exec(target);
  return match && PROVIDERS.includes(match[1]!) ? match[1]! : null;
}

/** `file imports specifier` for every import matching `forbidden`. */
function violations(files: SourceFile[], forbidden: (specifier: string, target: string | null, file: string) => boolean): string[] {
  return files.flatMap((file) =>
    importsOf(file)
      .filter((specifier) => forbidden(specifier, projectPath(file.file, specifier), file.file))
      .map((specifier) => `${file.file} imports ${specifier}`),
  );
}

const isSdk = (specifier: string) => SDK.test(specifier);

describe('the provider seam', () => {
  it('keeps every provider SDK out of the domain, the queue, the pages, the proxy and the neutral components', () => {
    const files = sourceFiles('lib/billing', 'lib/jobs', 'app', 'components', 'proxy.ts').filter((file) => !/^components\/payments\/[^/]+\//.test(file.file));
    expect(violations(files, isSdk)).toEqual([]);
  });

  it('lets only a provider folder of components/payments import that provider’s browser SDK', () => {
    const files = sourceFiles('components/payments');
    const foreign = violations(files, (specifier, _target, file) => {
      if (!isSdk(specifier)) return false;
      const folder = /^components\/payments\/([^/]+)\//.exec(file)?.[1];
      return !folder || !(specifier === folder || specifier.startsWith(`@${folder}/`));
    });
    expect(foreign).toEqual([]);
  });

  it('reaches a provider folder only through the registry (lib/payments/index.ts and browser.ts)', () => {
    const files = sourceFiles('lib', 'app', 'components', 'proxy.ts', 'instrumentation.ts', 'db');
    const reached = violations(files, (_specifier, target, file) => {
      const provider = target ? providerFolderOf(target) : null;
      if (!provider) return false;
      return !(file === 'lib/payments/index.ts' || file === 'lib/payments/browser.ts' || file.startsWith(`lib/payments/${provider}/`));
    });
    expect(reached).toEqual([]);
  });

  it('keeps lib/ from importing app/ or components/', () => {
    const upward = violations(sourceFiles('lib'), (_specifier, target) => target !== null && /^(app|components)(\/|$)/.test(target));
    expect(upward).toEqual([]);
  });

  it('never lists the providers by hand in a type: their names come from the payment_provider enum', () => {
    const files = sourceFiles('lib', 'app', 'components', 'proxy.ts', 'db', 'scripts', 'sandbox');
    const unions: string[] = [];
    for (const { file, source } of files) {
      const visit = (node: ts.Node) => {
        if (ts.isUnionTypeNode(node)) {
          const names = node.types.map((member) => (ts.isLiteralTypeNode(member) && ts.isStringLiteral(member.literal) ? member.literal.text : null));
          if (names.length >= 2 && names.every((name) => name !== null && PROVIDERS.includes(name))) {
            unions.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.getText()}`);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(unions).toEqual([]);
  });

  it('routes each provider’s webhooks with a one-line route through the generic endpoint', () => {
    for (const provider of fs.readdirSync(path.join(ROOT, 'app/api/webhooks'))) {
      const [route] = sourceFiles(`app/api/webhooks/${provider}/route.ts`);
      expect(route, `app/api/webhooks/${provider}/route.ts`).toBeDefined();
      const statements = route!.source.statements.filter((statement) => !ts.isImportDeclaration(statement));
      expect(statements.map((statement) => statement.getText())).toEqual([`export const POST = webhookEndpoint('${provider}');`]);
    }
  });
});
