// Seeded YAML syntax mutations and random small documents, for differential tests of YAML readers
// (test/core/yaml-fast.test.ts): every YAML indicator, scalars of every resolution of the YAML 1.2 core schema and
// the YAML 1.1 one, quoting and escapes, block scalar headers, flow and block collections, comments and indentation.
import {pick, type Rng, type TextCase} from '../fuzz/generator.js'

export const SCALARS = [
  '0', '-0', '+1', '007', '0o17', '0o8', '0x1F', '0X1F', '0b101', '1_000', '1e3', '1E+3', '-1.5e-3', '.5', '5.', '1.0', '1.50', '-.inf', '+.inf', '.Inf', '.NAN', '.nan', 'NaN', 'Infinity',
  '1e400', '-1e400', '9'.repeat(400), '1' + '0'.repeat(400) + '.5', '12345678901234567890', '0.1e1', '1e', 'e1', '1.2.3', '1:2', '12:30:00', '2001-12-14', '2001-12-14t21:59:43.10-05:00',
  'true', 'True', 'TRUE', 'tRue', 'false', 'yes', 'No', 'on', 'off', 'y', 'n', '~', 'null', 'Null', 'NULL', 'nULL', '', ' ', '-', '--', '---', '...', ':', '::', 'a:b', 'a: b', 'a :b', 'a#b', 'a #b', '#a',
  '"\\x41"', '"\\u00e9"', '"\\U0001F600"', '"\\N\\_\\L\\P"', '"\\/"', '"\\ "', '"\\e\\a\\b\\v\\f\\0"', '"\\q"', '"a\\\n  b"', '"a\n  b"', "'a''b'", "'a\n\n  b'", '"a\n\n  b"', "'", '"', '"\\"', 'a"b', "a'b",
  '|\n  x\n  y\n', '|-\n  x\n', '|+\n  x\n\n', '>\n  a\n  b\n\n  c\n', '>-\n  a\n', '|2\n   x\n', '|1-\n  x', '>\n\n  a', '|\n x\n  y', '| # c\n  x',
  '[a, b]', '[a, [b, c]]', '[a,b,]', '[,]', '[a b]', '{a: 1, b: 2}', '{a: 1,}', '{a, b}', '{a: }', '{: a}', '{a: [1, 2]}', '[{a: 1}, {b: 2}]', '[a: 1]', '[a: 1, b]', '{"a":1}', '{"a" : 1}', "{'a':1}", '["a":1]', '{a:1}', '{a: b: c}',
  '[\n  a,\n  b\n]', '{\n  a: 1,\n  b: 2\n}', '[a,\nb]', '{a: 1,\nb: 2}', '[ #c\n  a]', '[a, #c\n  b]', '{a: 1 #c\n}', '[a]#c', '[a] #c', '{a: b}x', '[a]]', '{a: {b}}', '{[a]}', '{{a}}', '{a: 1, [b]}', '[[a]]',
  '&a x', '*a', '!!str 1', '!x y', '! z', '@x', '`x', '%x', '?x', '? x', '?', '- x', '-x', '- - x', '|x', '>x', 'x |', 'x >', 'a\\nb', 'é', '💥', '\u2028', '\u0085', '\u00a0x', 'x\u00a0',
  'x'.repeat(1030), 'k'.repeat(1030) + ': v', '${{ params.x }}', '"${{ params.x }}"', '{x: ${{ params.x }}}', '{{ params.x }}', '__proto__', '{__proto__: 1}', '[__proto__]', '<<', '{<<: {a: 1}}',
]
/** Syntax-level mutations: YAML indicators, scalars of every resolution, quoting, flow and block collections. */
export function mutateSyntax(r: Rng, text: string): TextCase {
  const lines = text.split('\n')
  const i = Math.floor(r() * lines.length)
  const put = (line: string, what: string): TextCase => ({what, text: [...lines.slice(0, i), line, ...lines.slice(i + 1)].join('\n')})
  switch (Math.floor(r() * 7)) {
    case 0: {
      const m = /^(\s*(?:- )?[^\s:#][^:#]*:\s+)(.*)$/.exec(lines[i])
      const v = pick(r, SCALARS)
      if (m) return put(m[1] + v, `value of line ${i + 1} := ${JSON.stringify(v).slice(0, 60)}`)
      return put(lines[i] + v, `append ${JSON.stringify(v).slice(0, 60)} to line ${i + 1}`)
    }
    case 1: {
      const m = /^(\s*(?:- )?)([^\s:#][^:#]*)(:.*)$/.exec(lines[i])
      const k = pick(r, SCALARS)
      if (m) return put(m[1] + k + m[3], `key of line ${i + 1} := ${JSON.stringify(k).slice(0, 60)}`)
      return {what: 'unchanged', text}
    }
    case 2: {
      const ch = pick(r, [': ', ':', ' :', '- ', '-', '#', ' #', "'", '"', '\\', '{', '}', '[', ']', ',', ', ', '|', '>', '? ', '*', '&', '!', '%', '@', '`', '\n', '\n ', ' ', '  ', '\u00a0', '\t'])
      const at = Math.floor(r() * text.length)
      return {what: `insert ${JSON.stringify(ch)} at ${at}`, text: text.slice(0, at) + ch + text.slice(at)}
    }
    case 3: {
      const at = Math.floor(r() * text.length)
      const n = 1 + Math.floor(r() * 3)
      return {what: `delete ${n} at ${at}`, text: text.slice(0, at) + text.slice(at + n)}
    }
    case 4:
      return i + 1 < lines.length ? {what: `join lines ${i + 1}-${i + 2}`, text: [...lines.slice(0, i), lines[i] + ' ' + lines[i + 1].trimStart(), ...lines.slice(i + 2)].join('\n')} : {what: 'unchanged', text}
    case 5: {
      const d = pick(r, [-2, -1, 1, 2, 3])
      const l = d < 0 ? lines[i].slice(Math.min(-d, lines[i].length - lines[i].trimStart().length)) : ' '.repeat(d) + lines[i]
      return put(l, `indent line ${i + 1} by ${d}`)
    }
    default:
      return put(lines[i] + pick(r, [' ', '  # c', '#c', ' #', ' \\', ':']), `trail line ${i + 1}`)
  }
}

/** A small random document: block mappings and sequences, flow collections and scalars of every kind. */
export function randomDoc(r: Rng): string {
  const scalar = () => pick(r, SCALARS)
  const key = () => (r() < 0.7 ? pick(r, ['a', 'b', 'name', 'p1', 'type', 'default', 'x-y', 'steps', 'k k']) : scalar())
  const flow = (d: number): string => {
    const n = Math.floor(r() * 4)
    if (r() < 0.5) return `[${Array.from({length: n}, () => (d < 2 && r() < 0.3 ? flow(d + 1) : scalar())).join(pick(r, [', ', ',', ' , ', ',\n  ']))}]`
    return `{${Array.from({length: n}, () => `${key()}${pick(r, [': ', ':', ' : ', ': '])}${d < 2 && r() < 0.3 ? flow(d + 1) : scalar()}`).join(pick(r, [', ', ',', ',\n  ']))}}`
  }
  const block = (ind: number, d: number): string[] => {
    const n = 1 + Math.floor(r() * 4)
    const pad = ' '.repeat(ind)
    const out: string[] = []
    const seq = r() < 0.3
    for (let i = 0; i < n; i++) {
      const head = seq ? `${pad}- ` : `${pad}${key()}:`
      const c = r()
      if (c < 0.25 && d < 3) {
        if (seq) out.push(head.trimEnd(), ...block(ind + 2, d + 1))
        else out.push(head, ...block(ind + pick(r, [1, 2, 4]), d + 1))
      } else if (c < 0.45) out.push(`${head}${seq ? '' : ' '}${flow(0)}`)
      else if (c < 0.5) out.push(head)
      else out.push(`${head}${seq ? '' : ' '}${scalar().replace(/\n/g, `\n${pad}  `)}`)
      if (r() < 0.1) out.push(pick(r, ['', '# c', `${pad}# c`, '   ']))
    }
    return out
  }
  return block(0, 0).join('\n') + (r() < 0.8 ? '\n' : '')
}
