/**
 * The subset of CEL that the KFP SDK writes into pipeline IR, parsed and evaluated without `eval`/`Function`:
 * `triggerPolicy.condition` (`inputs.parameter_values['pipelinechannel--x'] == 'heads'`, `int(...)`, `double(...)`,
 * `!`, `&&`, `||`, comparisons, string/number/bool literals; SDK compiler/pipeline_spec_builder.py
 * _single_binary_operation_to_cel_condition) and `parameterExpressionSelector` (`parseJson(string_value)["A_a"]`,
 * pipeline_spec_builder.py _update_task_spec_for_loop_group). The backend evaluates both with cel-go
 * (backend/src/v2/expression/expression.go Condition and Select); the rules below follow CEL's semantics:
 * numbers from JSON are doubles (google.protobuf.Value), ints and doubles compare by value, `==` across kinds
 * is false, ordering across kinds is an error, `&&`/`||` absorb an error on one side when the other decides.
 */
import type {JsonValue} from '../project/types.js'

/** A parse or evaluation error; `pos` is the 0-based offset in the expression where known. */
export class CelError extends Error {
  constructor(
    message: string,
    readonly pos?: number,
  ) {
    super(message)
  }
}

/** A CEL value. Ints are kept apart from doubles (CEL's `int(x)` and `1` are ints; JSON numbers are doubles). */
export type CelValue =
  | {k: 'int'; v: number}
  | {k: 'double'; v: number}
  | {k: 'string'; v: string}
  | {k: 'bool'; v: boolean}
  | {k: 'null'}
  | {k: 'list'; v: CelValue[]}
  | {k: 'map'; v: Map<string, CelValue>}

export type CelNode =
  | {t: 'lit'; value: CelValue; pos: number}
  | {t: 'ident'; name: string; pos: number}
  | {t: 'select'; of: CelNode; field: string; pos: number}
  | {t: 'index'; of: CelNode; index: CelNode; pos: number}
  | {t: 'call'; fn: string; args: CelNode[]; pos: number}
  | {t: 'not'; of: CelNode; pos: number}
  | {t: 'neg'; of: CelNode; pos: number}
  | {t: 'bin'; op: BinOp; l: CelNode; r: CelNode; pos: number}

type BinOp = '&&' | '||' | '==' | '!=' | '<' | '<=' | '>' | '>='

/** The functions of the subset. */
const FUNCTIONS = new Set(['int', 'double', 'string', 'bool', 'parseJson', 'size'])

// ---------------------------------------------------------------------------------------------- tokenizer

type Tok = {t: 'num'; text: string; pos: number} | {t: 'str'; v: string; pos: number} | {t: 'id'; v: string; pos: number} | {t: 'op'; v: string; pos: number}

const OPS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '-', '(', ')', '[', ']', '.', ',']

function readString(src: string, i: number): {v: string; end: number} {
  const q = src[i]
  let v = ''
  let j = i + 1
  while (j < src.length && src[j] !== q) {
    if (src[j] === '\\') {
      const e = src[j + 1]
      const map: Record<string, string> = {n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"'}
      if (e === undefined || !(e in map)) throw new CelError(`unsupported escape \\${e ?? ''} in a string literal`, j)
      v += map[e]
      j += 2
    } else v += src[j++]
  }
  if (j >= src.length) throw new CelError('unterminated string literal', i)
  return {v, end: j + 1}
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === "'" || c === '"') {
      const s = readString(src, i)
      out.push({t: 'str', v: s.v, pos: i})
      i = s.end
      continue
    }
    const num = /^(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?/.exec(src.slice(i))
    if (num && /\d|\./.test(c) && !(c === '.' && !/\d/.test(src[i + 1] ?? ''))) {
      out.push({t: 'num', text: num[0], pos: i})
      i += num[0].length
      continue
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))
    if (id) {
      out.push({t: 'id', v: id[0], pos: i})
      i += id[0].length
      continue
    }
    const op = OPS.find((o) => src.startsWith(o, i))
    if (!op) throw new CelError(`unexpected character '${c}'`, i)
    out.push({t: 'op', v: op, pos: i})
    i += op.length
  }
  return out
}

// ---------------------------------------------------------------------------------------------- parser

/** Parses an expression of the subset; throws CelError naming what is outside it. */
export function parseCel(src: string): CelNode {
  const toks = tokenize(src)
  let p = 0
  const peek = () => toks[p]
  const isOp = (v: string) => peek()?.t === 'op' && (peek() as {v: string}).v === v
  const expect = (v: string) => {
    if (!isOp(v)) throw new CelError(`expected '${v}'${peek() ? '' : ' before the end'}`, peek()?.pos ?? src.length)
    p++
  }
  const binary = (next: () => CelNode, ops: BinOp[]) => (): CelNode => {
    let l = next()
    for (;;) {
      const op = ops.find((o) => isOp(o))
      if (!op) return l
      const pos = peek()!.pos
      p++
      l = {t: 'bin', op, l, r: next(), pos}
    }
  }
  const unary = (): CelNode => {
    const pos = peek()?.pos ?? src.length
    if (isOp('!')) return p++, {t: 'not', of: unary(), pos}
    if (isOp('-')) return p++, {t: 'neg', of: unary(), pos}
    return member()
  }
  const relation = (): CelNode => {
    const l = unary()
    const op = (['==', '!=', '<=', '>=', '<', '>'] as BinOp[]).find((o) => isOp(o))
    if (!op) return l
    const pos = peek()!.pos
    p++
    return {t: 'bin', op, l, r: unary(), pos}
  }
  const and = binary(relation, ['&&'])
  const or = binary(and, ['||'])
  const member = (): CelNode => {
    let n = primary()
    for (;;) {
      const pos = peek()?.pos ?? src.length
      if (isOp('.')) {
        p++
        const f = peek()
        if (f?.t !== 'id') throw new CelError('expected a field name after "."', f?.pos ?? src.length)
        p++
        n = {t: 'select', of: n, field: f.v, pos}
      } else if (isOp('[')) {
        p++
        const index = or()
        expect(']')
        n = {t: 'index', of: n, index, pos}
      } else return n
    }
  }
  const primary = (): CelNode => {
    const tok = peek()
    if (!tok) throw new CelError('unexpected end of the expression', src.length)
    p++
    if (tok.t === 'num') {
      const isInt = /^\d+$/.test(tok.text)
      return {t: 'lit', value: isInt ? {k: 'int', v: Number(tok.text)} : {k: 'double', v: Number(tok.text)}, pos: tok.pos}
    }
    if (tok.t === 'str') return {t: 'lit', value: {k: 'string', v: tok.v}, pos: tok.pos}
    if (tok.t === 'id') {
      if (tok.v === 'true' || tok.v === 'false') return {t: 'lit', value: {k: 'bool', v: tok.v === 'true'}, pos: tok.pos}
      if (tok.v === 'null') return {t: 'lit', value: {k: 'null'}, pos: tok.pos}
      if (isOp('(')) {
        if (!FUNCTIONS.has(tok.v)) throw new CelError(`the function ${tok.v}() is not supported`, tok.pos)
        p++
        const args: CelNode[] = []
        while (!isOp(')')) {
          args.push(or())
          if (!isOp(')')) expect(',')
        }
        p++
        return {t: 'call', fn: tok.v, args, pos: tok.pos}
      }
      return {t: 'ident', name: tok.v, pos: tok.pos}
    }
    if (tok.v === '(') {
      const e = or()
      expect(')')
      return e
    }
    throw new CelError(`unexpected '${tok.v}'`, tok.pos)
  }
  const node = or()
  if (p < toks.length) throw new CelError(`unexpected '${tokText(toks[p])}' after the end of the expression`, toks[p].pos)
  return node
}

function tokText(t: Tok): string {
  return t.t === 'num' ? t.text : t.t === 'str' ? JSON.stringify(t.v) : t.v
}

// ---------------------------------------------------------------------------------------------- values

/** A JSON value as CEL sees it through google.protobuf.Value: every number is a double. */
export function fromJson(v: JsonValue | undefined): CelValue {
  if (v === null || v === undefined) return {k: 'null'}
  if (typeof v === 'number') return {k: 'double', v}
  if (typeof v === 'string') return {k: 'string', v}
  if (typeof v === 'boolean') return {k: 'bool', v}
  if (Array.isArray(v)) return {k: 'list', v: v.map(fromJson)}
  return {k: 'map', v: new Map(Object.entries(v).map(([k, x]) => [k, fromJson(x)]))}
}

/** A CEL value back as JSON (ints and doubles both become numbers). */
export function toJson(v: CelValue): JsonValue {
  switch (v.k) {
    case 'null':
      return null
    case 'list':
      return v.v.map(toJson)
    case 'map':
      return Object.fromEntries([...v.v].map(([k, x]) => [k, toJson(x)]))
    default:
      return v.v
  }
}

const isNum = (v: CelValue): v is {k: 'int' | 'double'; v: number} => v.k === 'int' || v.k === 'double'

function equal(a: CelValue, b: CelValue): boolean {
  if (isNum(a) && isNum(b)) return a.v === b.v
  if (a.k !== b.k) return false
  if (a.k === 'null') return true
  if (a.k === 'list') return a.v.length === (b as typeof a).v.length && a.v.every((x, i) => equal(x, (b as typeof a).v[i]))
  if (a.k === 'map') {
    const m = (b as typeof a).v
    return a.v.size === m.size && [...a.v].every(([k, x]) => m.has(k) && equal(x, m.get(k)!))
  }
  return (a as {v: unknown}).v === (b as {v: unknown}).v
}

function compare(a: CelValue, b: CelValue, pos: number): number {
  if (isNum(a) && isNum(b)) return a.v - b.v
  if (a.k === 'string' && b.k === 'string') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0
  if (a.k === 'bool' && b.k === 'bool') return Number(a.v) - Number(b.v)
  throw new CelError(`cannot order ${a.k} and ${b.k}`, pos)
}

/** The text of a value as the backend's PbValueToText writes it (strings verbatim, others as JSON). */
export function valueText(v: CelValue): string {
  return v.k === 'string' ? v.v : JSON.stringify(toJson(v))
}

function convert(fn: string, args: CelValue[], pos: number): CelValue {
  if (args.length !== 1) throw new CelError(`${fn}() takes one argument`, pos)
  const [a] = args
  switch (fn) {
    case 'int': {
      if (a.k === 'int') return a
      const n = a.k === 'double' ? Math.trunc(a.v) : a.k === 'string' && /^\s*[+-]?\d+\s*$/.test(a.v) ? Number(a.v) : a.k === 'bool' ? NaN : NaN
      if (!Number.isFinite(n)) throw new CelError(`int() cannot convert ${a.k} ${valueText(a)}`, pos)
      return {k: 'int', v: n}
    }
    case 'double': {
      if (isNum(a)) return {k: 'double', v: a.v}
      const n = a.k === 'string' && a.v.trim() !== '' ? Number(a.v) : NaN
      if (Number.isNaN(n)) throw new CelError(`double() cannot convert ${a.k} ${valueText(a)}`, pos)
      return {k: 'double', v: n}
    }
    case 'string':
      return {k: 'string', v: valueText(a)}
    case 'bool': {
      if (a.k === 'bool') return a
      if (a.k === 'string' && ['true', 'false'].includes(a.v)) return {k: 'bool', v: a.v === 'true'}
      throw new CelError(`bool() cannot convert ${a.k} ${valueText(a)}`, pos)
    }
    case 'size':
      if (a.k === 'string' || a.k === 'list') return {k: 'int', v: a.v.length}
      if (a.k === 'map') return {k: 'int', v: a.v.size}
      throw new CelError(`size() of ${a.k}`, pos)
    default: {
      // parseJson(string) → dyn, declared by the backend's conditionEnv/selectorEnv (expression.go).
      if (a.k !== 'string') throw new CelError(`parseJson() takes a string, not ${a.k}`, pos)
      try {
        return fromJson(JSON.parse(a.v) as JsonValue)
      } catch {
        throw new CelError(`parseJson(): not JSON: ${a.v.slice(0, 60)}`, pos)
      }
    }
  }
}

function member(of: CelValue, key: CelValue, pos: number): CelValue {
  if (of.k === 'map') {
    if (key.k !== 'string') throw new CelError(`a map key must be a string, not ${key.k}`, pos)
    const v = of.v.get(key.v)
    if (v === undefined) throw new CelError(`no such key: '${key.v}'`, pos)
    return v
  }
  if (of.k === 'list') {
    if (!isNum(key) || !Number.isInteger(key.v)) throw new CelError('a list index must be an integer', pos)
    const v = of.v[key.v]
    if (v === undefined) throw new CelError(`index ${key.v} out of range (size ${of.v.length})`, pos)
    return v
  }
  throw new CelError(`cannot index into ${of.k}`, pos)
}

function asBool(v: CelValue, what: string, pos: number): boolean {
  if (v.k !== 'bool') throw new CelError(`${what} needs a bool, got ${v.k} ${valueText(v)}`, pos)
  return v.v
}

/** Evaluates a parsed expression; `vars` are the top-level names. Throws CelError. */
export function evalCel(n: CelNode, vars: Record<string, CelValue>): CelValue {
  const ev = (x: CelNode): CelValue => evalCel(x, vars)
  switch (n.t) {
    case 'lit':
      return n.value
    case 'ident': {
      const v = vars[n.name]
      if (v === undefined) throw new CelError(`undeclared reference to '${n.name}'`, n.pos)
      return v
    }
    case 'select':
      return member(ev(n.of), {k: 'string', v: n.field}, n.pos)
    case 'index':
      return member(ev(n.of), ev(n.index), n.pos)
    case 'call':
      return convert(n.fn, n.args.map(ev), n.pos)
    case 'not':
      return {k: 'bool', v: !asBool(ev(n.of), '!', n.pos)}
    case 'neg': {
      const v = ev(n.of)
      if (!isNum(v)) throw new CelError(`cannot negate ${v.k}`, n.pos)
      return {k: v.k, v: -v.v}
    }
    case 'bin':
      return binaryOp(n, ev)
  }
}

function binaryOp(n: Extract<CelNode, {t: 'bin'}>, ev: (x: CelNode) => CelValue): CelValue {
  if (n.op === '&&' || n.op === '||') {
    // CEL's commutative logic: a decisive side wins even when the other side is an error.
    const decisive = n.op === '||'
    const side = (x: CelNode): boolean | CelError => {
      try {
        return asBool(ev(x), n.op, x.pos)
      } catch (err) {
        if (err instanceof CelError) return err
        throw err
      }
    }
    const l = side(n.l)
    if (l === decisive) return {k: 'bool', v: decisive}
    const r = side(n.r)
    if (r === decisive) return {k: 'bool', v: decisive}
    if (l instanceof CelError) throw l
    if (r instanceof CelError) throw r
    return {k: 'bool', v: !decisive}
  }
  const l = ev(n.l)
  const r = ev(n.r)
  if (n.op === '==') return {k: 'bool', v: equal(l, r)}
  if (n.op === '!=') return {k: 'bool', v: !equal(l, r)}
  const c = compare(l, r, n.pos)
  const v = n.op === '<' ? c < 0 : n.op === '<=' ? c <= 0 : n.op === '>' ? c > 0 : c >= 0
  return {k: 'bool', v}
}

// ---------------------------------------------------------------------------------------------- KFP uses

/** The `inputs.parameter_values['…']` names an expression reads (for the up-front check and the skip message). */
export function parameterNamesRead(n: CelNode): string[] {
  const out = new Set<string>()
  const walk = (x: CelNode): void => {
    if (x.t === 'index' && x.of.t === 'select' && x.of.field === 'parameter_values' && x.of.of.t === 'ident' && x.of.of.name === 'inputs' && x.index.t === 'lit' && x.index.value.k === 'string')
      out.add(x.index.value.v)
    for (const c of children(x)) walk(c)
  }
  walk(n)
  return [...out]
}

function children(x: CelNode): CelNode[] {
  switch (x.t) {
    case 'select':
    case 'not':
    case 'neg':
      return [x.of]
    case 'index':
      return [x.of, x.index]
    case 'call':
      return x.args
    case 'bin':
      return [x.l, x.r]
    default:
      return []
  }
}

/** Top-level names an expression uses that are not in `allowed`. */
export function unknownIdentifiers(n: CelNode, allowed: string[]): string[] {
  const out = new Set<string>()
  const walk = (x: CelNode): void => {
    if (x.t === 'ident' && !allowed.includes(x.name)) out.add(x.name)
    for (const c of children(x)) walk(c)
  }
  walk(n)
  return [...out]
}

/** Checks a trigger condition up front; returns why it is outside the subset, or undefined. */
export function checkCondition(expr: string): string | undefined {
  try {
    const n = parseCel(expr)
    const bad = unknownIdentifiers(n, ['inputs'])
    return bad.length ? `it refers to ${bad.map((b) => `'${b}'`).join(', ')} (a condition can only read inputs.parameter_values)` : undefined
  } catch (err) {
    if (err instanceof CelError) return `${err.message}${err.pos === undefined ? '' : ` at offset ${err.pos}`}`
    throw err
  }
}

/** What a condition said and the parameter values it read. */
export interface ConditionResult {
  value: boolean
  /** The `inputs.parameter_values` it read (present ones). */
  seen: Record<string, JsonValue>
}

/**
 * Evaluates `triggerPolicy.condition` against a task's resolved input parameters, as the backend does
 * (driver/container.go Container and driver/dag.go DAG call expression.go Condition with the executor input's
 * `inputs`). A result that is not a bool is an error, as in expression.go.
 */
export function evaluateCondition(expr: string, parameterValues: Record<string, JsonValue>, parsed: CelNode = parseCel(expr)): ConditionResult {
  const n = parsed
  const value = evalCel(n, {inputs: {k: 'map', v: new Map([['parameter_values', fromJson(parameterValues)]])}})
  if (value.k !== 'bool') throw new CelError(`the condition gave ${value.k} ${valueText(value)}, not a bool`)
  const seen: Record<string, JsonValue> = {}
  for (const name of parameterNamesRead(n)) if (parameterValues[name] !== undefined) seen[name] = parameterValues[name]
  return {value: value.v, seen}
}

/**
 * Applies a `parameterExpressionSelector` to a value, as the backend does (expression.go Select, called by
 * resolve.go handleParameterExpressionSelector): the context is the protobuf Value's set field, with
 * `string_value` always holding the value's text, so `parseJson(string_value)["k"]` reads a struct item's field.
 */
export function applySelector(expr: string, value: JsonValue, parsed: CelNode = parseCel(expr)): JsonValue {
  const v = fromJson(value)
  const vars: Record<string, CelValue> = {string_value: {k: 'string', v: valueText(v)}}
  if (v.k === 'double') vars.number_value = v
  if (v.k === 'bool') vars.bool_value = v
  if (v.k === 'map') vars.struct_value = v
  if (v.k === 'list') vars.list_value = v
  return toJson(evalCel(parsed, vars))
}

/** Checks a selector up front; returns why it is outside the subset, or undefined. */
export function checkSelector(expr: string): string | undefined {
  try {
    const bad = unknownIdentifiers(parseCel(expr), ['string_value', 'number_value', 'bool_value', 'struct_value', 'list_value'])
    return bad.length ? `it refers to ${bad.map((b) => `'${b}'`).join(', ')}` : undefined
  } catch (err) {
    if (err instanceof CelError) return `${err.message}${err.pos === undefined ? '' : ` at offset ${err.pos}`}`
    throw err
  }
}
