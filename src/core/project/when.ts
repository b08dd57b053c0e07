/**
 * `when:` expressions of kfp.yaml: comparisons (`==`, `!=`, `<`, `<=`, `>`, `>=`) of references and literals,
 * combined with `and`, `or`, `not` and parentheses. Parsed here (pure); type-checked in load.ts; compiled to the CEL
 * the KFP SDK writes in core/compile/cel.ts.
 *
 * Grammar (precedence low → high):  or := and ('or' and)* ;  and := not ('and' not)* ;  not := 'not' not | cmp ;
 * cmp := operand (OP operand)? | '(' or ')'.  A lone operand must be a boolean reference and means `== true`.
 */
import {parseRef} from './bindings.js'
import type {CompareOp, WhenExpr, WhenOperand} from './types.js'

export interface WhenError {
  message: string
  hint: string
  /** 0-based offset in the expression text. */
  offset: number
}

type Token =
  | {t: 'ref'; operand: WhenOperand; at: number; text: string}
  | {t: 'lit'; operand: WhenOperand; at: number; text: string}
  | {t: 'op'; op: CompareOp; at: number; text: string}
  | {t: 'word'; word: 'and' | 'or' | 'not'; at: number; text: string}
  | {t: '('; at: number; text: string}
  | {t: ')'; at: number; text: string}

const HINT =
  "Write comparisons such as ${{ steps.pick.outputs.best }} < ${{ params.maxRmse }} or ${{ params.mode }} == 'deploy', combined with and, or, not and parentheses."

class Fail extends Error {
  constructor(
    readonly detail: WhenError,
  ) {
    super(detail.message)
  }
}

const fail = (message: string, offset: number, hint = HINT): never => {
  throw new Fail({message, hint, offset})
}

function tokenize(text: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (/\s/.test(c)) {
      i++
      continue
    }
    const at = i
    if (text.startsWith('${{', i)) {
      const end = text.indexOf('}}', i + 3)
      if (end < 0) fail(`unclosed '\${{' at column ${at + 1}`, at, 'Close each reference with }}, e.g. ${{ params.maxRmse }}.')
      const inner = text.slice(i + 3, end)
      const r = parseRef(inner)
      if ('error' in r) fail(r.error, at, r.hint)
      let operand: WhenOperand
      if ('param' in r) operand = {kind: 'param', param: r.param}
      else if ('step' in r) operand = {kind: 'output', step: r.step, output: r.output}
      else if ('item' in r) operand = r.field ? {kind: 'item', field: r.field} : {kind: 'item'}
      else return fail('${{ run.status }} cannot be used in when:', at, 'The run status is only for the finally step; compare its fields inside that step.')
      out.push({t: 'ref', operand, at, text: text.slice(at, end + 2)})
      i = end + 2
      continue
    }
    const two = text.slice(i, i + 2)
    if (['==', '!=', '<=', '>='].includes(two)) {
      out.push({t: 'op', op: two as CompareOp, at, text: two})
      i += 2
      continue
    }
    if (c === '<' || c === '>') {
      out.push({t: 'op', op: c, at, text: c})
      i++
      continue
    }
    if (c === '=') fail("'=' is not a comparison: write '=='", at)
    if (c === '!') fail("write 'not' instead of '!'", at)
    if (two === '&&' || two === '||') fail(`write '${two === '&&' ? 'and' : 'or'}' instead of '${two}'`, at)
    if (c === '(' || c === ')') {
      out.push({t: c, at, text: c})
      i++
      continue
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1)
      if (end < 0) fail(`unclosed quote at column ${at + 1}`, at, `End the text with ${c}.`)
      const value = text.slice(i + 1, end)
      // The SDK writes text literals as '…' without escaping, so a quote or backslash inside would break the CEL.
      if (/['\\]/.test(value)) fail(`text ${text.slice(at, end + 1)} contains ' or \\, which CEL conditions cannot hold`, at, 'Compare with text that has no single quote or backslash.')
      out.push({t: 'lit', operand: {kind: 'literal', value, text: value}, at, text: text.slice(at, end + 1)})
      i = end + 1
      continue
    }
    const num = /^[-+]?(\d+\.?\d*(e[-+]?\d+)?|\.\d+(e[-+]?\d+)?)/i.exec(text.slice(i))
    if (num) {
      const value = Number(num[0])
      if (!Number.isFinite(value)) fail(`number ${num[0]} is out of range`, at)
      out.push({t: 'lit', operand: {kind: 'literal', value, text: num[0].replace(/^\+/, '')}, at, text: num[0]})
      i += num[0].length
      continue
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(text.slice(i))
    if (word) {
      const w = word[0]
      if (w === 'and' || w === 'or' || w === 'not') out.push({t: 'word', word: w, at, text: w})
      else if (w === 'true' || w === 'false') out.push({t: 'lit', operand: {kind: 'literal', value: w === 'true', text: w}, at, text: w})
      else if (/^(params|steps|item|run)\./.test(w) || w === 'item') fail(`'${w}' needs \${{ }} around it: \${{ ${w} }}`, at, 'References in when: are written like everywhere else: ${{ params.NAME }}.')
      else fail(`'${w}' is not a reference, a number, true/false or quoted text`, at, `Quote text: '${w}'; reference values with \${{ … }}.`)
      i += w.length
      continue
    }
    fail(`unexpected '${c}' at column ${at + 1}`, at)
  }
  return out
}

class Parser {
  private i = 0
  constructor(
    private readonly tokens: Token[],
    private readonly length: number,
  ) {}

  parse(): WhenExpr {
    if (this.tokens.length === 0) fail('when: is empty', 0)
    const e = this.or()
    const t = this.peek()
    if (t) fail(t.t === 'ref' || t.t === 'lit' ? `missing 'and' or 'or' before ${t.text}` : `unexpected '${t.text}'`, t.at)
    return e
  }

  private peek(): Token | undefined {
    return this.tokens[this.i]
  }

  private or(): WhenExpr {
    let left = this.and()
    while (this.isWord('or')) {
      this.i++
      left = {op: 'or', left, right: this.and()}
    }
    return left
  }

  private and(): WhenExpr {
    let left = this.not()
    while (this.isWord('and')) {
      this.i++
      left = {op: 'and', left, right: this.not()}
    }
    return left
  }

  private not(): WhenExpr {
    if (this.isWord('not')) {
      this.i++
      return {op: 'not', arg: this.not()}
    }
    return this.cmp()
  }

  private cmp(): WhenExpr {
    const next = this.peek()
    if (!next) return fail('the expression ends too early', this.length)
    const t = next
    if (t.t === '(') {
      this.i++
      const e = this.or()
      const close = this.peek()
      if (!close || close.t !== ')') fail(`missing ')' for the '(' at column ${t.at + 1}`, close?.at ?? this.length)
      this.i++
      return e
    }
    const left = this.operand()
    const op = this.peek()
    if (op && op.t === 'op') {
      this.i++
      const right = this.operand()
      if (left.kind === 'literal' && right.kind === 'literal') fail(`${t.text} ${op.text} … compares two literals; one side must be a reference`, t.at)
      return {op: 'cmp', cmp: op.op, left, right}
    }
    if (left.kind === 'literal') fail(`${t.text} on its own is not a condition`, t.at)
    // A lone reference: a boolean that must be true (type-checked in load.ts).
    return {op: 'cmp', cmp: '==', left, right: {kind: 'literal', value: true, text: 'true'}}
  }

  private operand(): WhenOperand {
    const t = this.peek()
    if (!t) return fail('a value is missing at the end', this.length)
    if (t.t === 'ref' || t.t === 'lit') {
      this.i++
      return t.operand
    }
    return fail(`expected a reference or a literal, got '${t.text}'`, t.at)
  }

  private isWord(w: 'and' | 'or' | 'not'): boolean {
    const t = this.peek()
    return t?.t === 'word' && t.word === w
  }
}

/** Parses a `when:` expression; on error says what is wrong and where (0-based offset). */
export function parseWhen(text: string): {expr: WhenExpr} | {error: WhenError} {
  try {
    return {expr: new Parser(tokenize(text), text.length).parse()}
  } catch (error) {
    if (error instanceof Fail) return {error: error.detail}
    throw error
  }
}

/** Every operand of an expression, left to right. */
export function whenOperands(e: WhenExpr): WhenOperand[] {
  if (e.op === 'cmp') return [e.left, e.right]
  if (e.op === 'not') return whenOperands(e.arg)
  return [...whenOperands(e.left), ...whenOperands(e.right)]
}

/** Every comparison of an expression, left to right. */
export function whenComparisons(e: WhenExpr): Array<Extract<WhenExpr, {op: 'cmp'}>> {
  if (e.op === 'cmp') return [e]
  if (e.op === 'not') return whenComparisons(e.arg)
  return [...whenComparisons(e.left), ...whenComparisons(e.right)]
}
