import type { CommandArg, CommandSpec } from '../server/command-spec.js';

/**
 * The embedded handle's typed methods, one per command of the command table: `db.set(key, value)`,
 * `db.configGet(parameter)`, `db.clientNoEvict(enabled)`. Installed at run time from the table, and
 * typed by `Commands` in commands.generated.ts, which `generateCommandsSource` writes from the same
 * table (a test regenerates it and compares, so the two cannot drift).
 */

/** `config|get` -> configGet, `eval_ro` -> evalRo, `client|no-evict` -> clientNoEvict. */
export function methodName(fullName: string): string {
  const parts = fullName.split(/[|_\-.]/).filter((p) => p.length > 0);
  return parts.map((p, i) => (i === 0 ? p : p[0].toUpperCase() + p.slice(1))).join('');
}

export interface CommandMethod {
  method: string;
  /** What the method sends before its arguments: ['CONFIG', 'GET'] or ['SET']. */
  prefix: string[];
  spec: CommandSpec;
}

/** Every command and subcommand, with its method name (sorted by name). */
export function commandMethods(specs: readonly CommandSpec[]): CommandMethod[] {
  const out: CommandMethod[] = [];
  for (const spec of specs) {
    if (spec.handler !== undefined || spec.subcommands === undefined) out.push({ method: methodName(spec.name), prefix: [spec.name.toUpperCase()], spec });
    for (const sub of spec.subcommands ?? []) {
      out.push({ method: methodName(`${spec.name}|${sub.name}`), prefix: [spec.name.toUpperCase(), sub.name.toUpperCase()], spec: sub });
    }
  }
  out.sort((a, b) => (a.method < b.method ? -1 : a.method > b.method ? 1 : 0));
  return out;
}

const RESERVED = new Set(['arguments', 'eval', 'function', 'delete', 'default', 'new', 'class', 'in', 'with', 'return', 'var', 'let', 'const', 'yield', 'await', 'enum', 'case', 'switch', 'do', 'if', 'for', 'while', 'this', 'typeof', 'void', 'break', 'continue', 'catch', 'try', 'finally', 'throw', 'import', 'export', 'super', 'extends', 'static', 'package', 'private', 'protected', 'public', 'interface', 'implements', 'instanceof', 'debugger', 'null', 'true', 'false']);

function paramName(arg: CommandArg, used: Set<string>): string {
  let name = methodName(arg.name.replace(/[^A-Za-z0-9_\-|.]/g, '-'));
  if (name === '' || /^\d/.test(name)) name = `arg${name}`;
  if (RESERVED.has(name)) name = `${name}Arg`;
  let unique = name;
  for (let i = 2; used.has(unique); i++) unique = `${name}${i}`;
  used.add(unique);
  return unique;
}

/** The leading required plain arguments become named parameters; the rest is `...args`. */
function signature(spec: CommandSpec): string {
  const params: string[] = [];
  const used = new Set<string>();
  let rest = spec.args === undefined && spec.arity !== (spec.subcommands === undefined ? 1 : 2);
  for (const arg of spec.args ?? []) {
    const plain = arg.optional !== true && arg.multiple !== true && arg.type !== 'oneof' && arg.type !== 'block' && arg.type !== 'pure-token' && arg.token === undefined;
    if (!plain) {
      rest = true;
      break;
    }
    params.push(`${paramName(arg, used)}: Arg`);
  }
  if (rest || (spec.args === undefined && spec.arity < 0)) params.push('...args: Arg[]');
  return params.join(', ');
}

/** The TypeScript source of commands.generated.ts. */
export function generateCommandsSource(specs: readonly CommandSpec[]): string {
  const lines = [
    '// Generated from the command table by src/embedded/command-methods.ts (npm run generate): do not edit.',
    "import type { Arg, ReplyValue } from './index.js';",
    '',
    '/** One method per command: `db.set(key, value)` sends SET key value; subcommands join (`db.configGet(...)`). */',
    'export interface Commands {',
  ];
  for (const m of commandMethods(specs)) {
    const summary = m.spec.summary.replace(/\*\//g, '* /');
    const deprecated = m.spec.docFlags?.includes('deprecated') === true ? ' @deprecated' : '';
    lines.push(`  /** ${m.prefix.join(' ')}: ${summary}${deprecated} */`);
    lines.push(`  ${m.method}(${signature(m.spec)}): Promise<ReplyValue>;`);
  }
  lines.push('}', '');
  return lines.join('\n');
}
