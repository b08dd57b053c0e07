/**
 * A fast read of plain YAML documents (kfp.yaml with 20,000 params: the `yaml` package's parseDocument takes ≈ 0.5 s
 * for it, js-yaml ≈ 0.05 s). The `yaml` package stays the reference: kfp reads a file with it whenever this module
 * declines, and for every position and error (core/project/yaml-doc.ts). So this module only answers when it is sure
 * to give exactly the value that path gives (parseDocument, findDuplicateKey, toJsSafely), and declines otherwise:
 *
 * - text that the two read differently or that only one of them refuses (UNUSUAL_TEXT: tabs, directives — `%YAML 1.1`
 *   switches the `yaml` package to another schema —, comments without a space before them, …), and lines longer
 *   than the `yaml` package's 1024-character implicit-key limit;
 * - anchors, aliases and tags (seen by js-yaml's node listener): toJsSafely bounds what aliases expand to;
 * - collections as keys (a composed collection that is not in the value: js-yaml made it a string key);
 * - numbers written other than as plain decimal (0x10, 0o17, 1e400): toJsSafely keeps their text, and the `yaml`
 *   package compares keys by number (`0x10` and `16` are one key there);
 * - keys that are null, empty or `<<` (js-yaml makes a null key "null", the `yaml` package "");
 * - anything js-yaml refuses (syntax, duplicate keys, more than 100 levels deep) and documents that are not a mapping.
 * test/core/yaml-fast.test.ts checks all of it against the `yaml` package on every YAML file of the repository and
 * the shared reference, and on seeded mutations of each. Pure (no I/O); js-yaml loads on the first call.
 */
import {jsYamlLib, type JsYaml} from './js-yaml.js'

let lib: {jsYaml: JsYaml; schema: import('js-yaml').Schema} | undefined

/** Thrown inside js-yaml's load to stop at the first construct this module leaves to the `yaml` package. */
const DECLINE = new Error('not a plain document')

// The `yaml` package's YAML 1.2 core schema, tag by tag and in its order (node_modules/yaml/dist/schema/core/
// schema.js: null, bool, intOct, int, intHex, floatNaN, floatExp, float), with the same tests and the same values.
const NULL = /^(?:~|[Nn]ull|NULL)?$/ // common/null.js
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/ // core/bool.js
const INT_OCT = /^0o[0-7]+$/ // core/int.js
const INT = /^[-+]?[0-9]+$/
const INT_HEX = /^0x[0-9a-fA-F]+$/
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/ // core/float.js
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/

/** A finite number written in plain decimal; anything else (hex, octal, overflow) is declined (see above). */
function decimal(n: number): number {
  if (!Number.isFinite(n)) throw DECLINE
  return n
}

function load(): NonNullable<typeof lib> {
  if (lib) return lib
  const jsYaml = jsYamlLib()
  const {Type, FAILSAFE_SCHEMA} = jsYaml
  const scalar = (tag: string, test: (s: string) => boolean, value: (s: string) => unknown) =>
    new Type(`tag:yaml.org,2002:${tag}`, {kind: 'scalar', resolve: (s: string | null) => s !== null && test(s), construct: value})
  const schema = FAILSAFE_SCHEMA.extend({
    implicit: [
      scalar('null', (s) => NULL.test(s), () => null),
      scalar('bool', (s) => BOOL.test(s), (s) => s[0] === 't' || s[0] === 'T'),
      scalar('int', (s) => INT_OCT.test(s) || INT.test(s) || INT_HEX.test(s), (s) => (INT.test(s) ? decimal(parseInt(s, 10)) : decline())),
      scalar(
        'float',
        (s) => FLOAT_NAN.test(s) || FLOAT_EXP.test(s) || FLOAT.test(s),
        (s) => (FLOAT_NAN.test(s) ? (s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity) : decimal(parseFloat(s))),
      ),
    ],
  })
  return (lib = {jsYaml, schema})
}

function decline(): never {
  throw DECLINE
}

/** Tags a plain document's nodes carry after js-yaml resolved them: none, a plain scalar's, or one of the above. */
const PLAIN_TAGS = new Set([null, '?', ...['null', 'bool', 'int', 'float'].map((t) => `tag:yaml.org,2002:${t}`)])

/**
 * Text that goes to the `yaml` package, each found where js-yaml and it differ (test/core/yaml-fast.test.ts): a tab,
 * CR, BOM, C0/C1 control character or lone surrogate; a directive or document marker at a line start; an explicit
 * key (`? `); an escaped line break before a blank line in a double-quoted scalar; a block scalar header with an
 * indentation indicator or `+` (trailing blank lines); a `-` ending a line (an empty entry: js-yaml reads a less
 * indented `- -` line into it); a `#` right after a quote, bracket or comma (the `yaml` package wants a space).
 */
const UNUSUAL_TEXT =
  /[\t\r\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|^%|^(?:---|\.\.\.)(?=[ \n]|$)|(?:^|[ \n[{,])\?(?=[ \n]|$)|\\\n *\n|[|>](?:[1-9]|[-+][1-9]|\+)|(?:^| )- *$|["'[\]{},]#/m

/**
 * The value of `text` when it is a plain YAML mapping that the `yaml` package reads to exactly this value without
 * an error or warning; undefined when this module declines (then read it with the `yaml` package).
 */
export function plainYamlValue(text: string): Record<string, unknown> | undefined {
  if (UNUSUAL_TEXT.test(text) || hasLongLine(text)) return undefined
  const {jsYaml, schema} = load()
  let value: unknown
  // Every mapping and sequence js-yaml composed: one that is not in the value was a key (js-yaml makes it a string).
  const collections = new Set<unknown>()
  try {
    value = jsYaml.load(text, {
      schema,
      onWarning: decline,
      listener(event, s) {
        if (event !== 'close') return
        // js-yaml's loader State (lib/loader.js composeNode) as the listener sees it; @types/js-yaml lists less.
        const state = s as unknown as {anchor: string | null; tag: string | null; kind: string | null; result: unknown}
        if (state.anchor !== null || !PLAIN_TAGS.has(state.tag)) throw DECLINE
        if (state.kind === 'mapping' || state.kind === 'sequence') collections.add(state.result)
      },
    })
  } catch {
    return undefined
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !plainKeys(value, collections)) return undefined
  return value as Record<string, unknown>
}

/** A line longer than the `yaml` package's 1024-character limit for an implicit key (a loop: a regex costs 0.2 s here). */
function hasLongLine(text: string): boolean {
  let start = 0
  for (let end = text.indexOf('\n'); ; end = text.indexOf('\n', start)) {
    if ((end === -1 ? text.length : end) - start > 1024) return true
    if (end === -1) return false
    start = end + 1
  }
}

/**
 * No null, empty or merge (`<<`) key anywhere in the value, and every collection js-yaml composed is in it (none was
 * a key). Iterative; js-yaml bounds the depth at 100 already.
 */
function plainKeys(root: object, collections: Set<unknown>): boolean {
  const stack: unknown[] = [root]
  while (stack.length) {
    const v = stack.pop()
    if (v === null || typeof v !== 'object') continue
    collections.delete(v)
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x)
      continue
    }
    for (const k in v) {
      if (k === 'null' || k === '' || k === '<<') return false
      stack.push((v as Record<string, unknown>)[k])
    }
  }
  return collections.size === 0
}
