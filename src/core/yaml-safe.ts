// Turning a parsed YAML document into plain values without letting hostile or broken input crash kfp: alias bombs
// ("billion laughs"), aliases without an anchor and pathological nesting become located problems instead of
// exceptions or a blown stack. Used for kfp.yaml, component.yaml and --params-file alike. Pure (no I/O).
import type {Document, LineCounter, Node} from 'yaml'
import {yamlLib} from './yaml-lib.js'

/** Deeper than this is not a pipeline description (kfp.yaml nests a handful of levels). */
export const MAX_YAML_DEPTH = 200
/** How many alias expansions one document may cost (the yaml library's own default is 100). */
export const MAX_YAML_ALIAS_COUNT = 100

export interface YamlProblem {
  line: number
  col: number
  message: string
}

export type SafeResult = {ok: true; value: unknown} | {ok: false; problem: YamlProblem}

/** A number written other than as plain decimal (0x10, 0o17, 1e400): kept as the text the user wrote. */
function unusualNumber(source: string | undefined, value: unknown): boolean {
  if (typeof value !== 'number' || source === undefined) return false
  if (/^[-+]?(\.inf|\.Inf|\.INF|\.nan|\.NaN|\.NAN)$/.test(source)) return false
  return !Number.isFinite(value) || /^[-+]?0[xXoObB]/.test(source)
}

/**
 * Checks the document's shape iteratively (no recursion, so depth cannot overflow the stack), keeps unusual
 * number literals as strings, then converts with a bounded alias count. Every failure names the line and column.
 */
export function toJsSafely(doc: Document.Parsed, lines: LineCounter): SafeResult {
  const {isAlias, isMap, isPair, isScalar, isSeq} = yamlLib()
  const at = (n: Node | null | undefined, message: string): SafeResult => {
    const pos = lines.linePos(n?.range?.[0] ?? 0)
    return {ok: false, problem: {line: pos.line, col: pos.col, message}}
  }
  const anchors = new Set<string>()
  let firstAlias: Node | undefined
  const stack: Array<[unknown, number]> = [[doc.contents, 1]]
  while (stack.length) {
    const [n, depth] = stack.pop()!
    if (!n || typeof n !== 'object') continue
    if (depth > MAX_YAML_DEPTH) return at(n as Node, `YAML nested more than ${MAX_YAML_DEPTH} levels deep`)
    if (isPair(n)) {
      stack.push([n.value, depth], [n.key, depth])
      continue
    }
    const node = n as Node & {anchor?: string}
    if (isAlias(node)) {
      firstAlias ??= node
      if (!anchors.has(node.source)) return at(node, `unresolved alias *${node.source}: no anchor &${node.source} before it`)
      continue
    }
    if (node.anchor) anchors.add(node.anchor)
    if (isScalar(node)) {
      if (unusualNumber(node.source as string | undefined, node.value)) node.value = node.source
    } else if (isMap(node) || isSeq(node)) {
      // Reverse, so that items are visited in document order (anchors before the aliases that follow them).
      for (let i = node.items.length - 1; i >= 0; i--) stack.push([node.items[i], depth + 1])
    }
  }
  // The YAML 1.2 core schema only (a `%YAML 1.1` document has merge keys, timestamps, !!set, !!omap: toJS's business).
  if (!firstAlias && anchors.size === 0 && doc.schema.name === 'core') {
    const plain = plainValue(doc.contents)
    if (plain !== NOT_PLAIN) return {ok: true, value: plain}
  }
  try {
    return {ok: true, value: doc.toJS({maxAliasCount: MAX_YAML_ALIAS_COUNT})}
  } catch (err) {
    const msg = (err as Error).message ?? String(err)
    if (/alias count/i.test(msg)) return at(firstAlias, `aliases expand to too much data (more than ${MAX_YAML_ALIAS_COUNT} alias expansions; a YAML alias bomb?)`)
    if (/call stack/i.test(msg)) return at(doc.contents, `YAML nested too deeply`)
    return at(firstAlias ?? doc.contents, `YAML cannot be read: ${msg.split('\n')[0]}`)
  }
}

/** plainValue's answer for a node it leaves to the yaml library's toJS. */
const NOT_PLAIN = Symbol('not plain')

/**
 * The JS value of a document without anchors or aliases, the same as `doc.toJS()` gives for it (Document.toJS with
 * keep: scalars' values; maps as objects keyed by String(key) as addPairToJSMap/stringifyKey do, `__proto__` as an
 * own property; sequences as arrays) in a fraction of its time (toJS costs a fifth of `kfp validate` on 20,000
 * params). Anything else (a collection or null as a key, a pair inside a sequence, a `<<` key, a value that is
 * not a plain JSON scalar, an empty document) is NOT_PLAIN: toJS decides. Depth is bounded by toJsSafely's walk.
 */
function plainValue(n: unknown): unknown {
  const {isMap, isPair, isScalar, isSeq, YAMLMap, YAMLSeq} = yamlLib()
  if (n === null || n === undefined) return n === null ? null : NOT_PLAIN
  if (isScalar(n)) {
    const v = n.value
    return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : NOT_PLAIN
  }
  // Exactly these classes: a YAML 1.1 document's !!omap / !!set (YAMLOMap, YAMLSet) become a Map or a Set in toJS.
  if (isSeq(n) && n.constructor === YAMLSeq) {
    const out: unknown[] = []
    for (const item of n.items) {
      if (isPair(item)) return NOT_PLAIN
      const v = plainValue(item)
      if (v === NOT_PLAIN) return NOT_PLAIN
      out.push(v)
    }
    return out
  }
  if (isMap(n) && n.constructor === YAMLMap) {
    const out: Record<string, unknown> = {}
    for (const pair of n.items) {
      const k = pair.key
      const kv = isScalar(k) ? k.value : undefined
      if ((typeof kv !== 'string' && typeof kv !== 'number' && typeof kv !== 'boolean') || kv === '<<') return NOT_PLAIN
      const v = plainValue(pair.value)
      if (v === NOT_PLAIN) return NOT_PLAIN
      const key = String(kv)
      if (key === '__proto__') Object.defineProperty(out, key, {value: v, writable: true, enumerable: true, configurable: true})
      else out[key] = v
    }
    return out
  }
  return NOT_PLAIN
}

/** The yaml library's message for a parse error, without its own position suffix and code frame. */
export function yamlErrorText(message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
  if (/call stack/i.test(first)) return 'YAML nested too deeply'
  return first
}

/**
 * The first key that repeats within one mapping, found in linear time (the yaml library's own uniqueKeys check
 * compares every key with every other: quadratic, 80 s for 20,000 params). Iterative, like toJsSafely.
 */
export function findDuplicateKey(doc: Document.Parsed): Node | undefined {
  const {isMap, isPair, isScalar, isSeq} = yamlLib()
  const stack: unknown[] = [doc.contents]
  while (stack.length) {
    const n = stack.pop()
    if (!n || typeof n !== 'object') continue
    if (isPair(n)) {
      stack.push(n.value, n.key)
      continue
    }
    if (isMap(n)) {
      const seen = new Set<unknown>()
      for (const p of n.items) {
        const k = isScalar(p.key) ? p.key.value : p.key
        if (isScalar(p.key) && seen.has(k)) return p.key as Node
        seen.add(k)
      }
    }
    if (isMap(n) || isSeq(n)) for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i])
  }
  return undefined
}
