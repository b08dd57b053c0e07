import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {normalizeCpu, normalizeMemory} from '../../../src/core/project/quantities.js'

const cpu = suite('normalizeCpu')
for (const [input, value] of [[1, '1'], [0.5, '0.5'], ['2', '2'], ['500m', '500m'], ['1.50', '1.5']] as const) {
  cpu(`${JSON.stringify(input)} → ${value}`, () => assert.equal(normalizeCpu(input), {value}))
}
for (const [input, hint] of [['lots', "millicores ('500m')"], [0, 'cores'], ['0m', 'cores'], ['500 millicores', "Write '500m'"]] as const) {
  cpu(`${JSON.stringify(input)} is rejected with a hint`, () => {
    const r = normalizeCpu(input)
    assert.ok('error' in r)
    if ('error' in r) assert.ok(r.hint.includes(hint), r.hint)
  })
}

const mem = suite('normalizeMemory')
for (const [input, value] of [['2G', '2G'], ['512Mi', '512Mi'], ['1.5Gi', '1.5Gi'], [2147483648, '2147483648']] as const) {
  mem(`${JSON.stringify(input)} → ${value}`, () => assert.equal(normalizeMemory(input), {value}))
}
const bad: Array<[string | number, string, string]> = [
  ['2GB', "memory '2GB' is not a memory quantity", "Write '2G' or '2Gi'."],
  ['2gb', "memory '2gb' is not a memory quantity", "Write '2G' or '2Gi'."],
  ['2GiB', "memory '2GiB' is not a memory quantity", "Write '2Gi'."],
  ['2 G', "memory '2 G' is not a memory quantity", "Write '2G' or '2Gi'."],
  ['512m', "memory '512m' is not a memory quantity", "Write '512M' or '512Mi'."],
  [2, 'memory 2 has no unit', 'Add a unit: 2G or 2Gi'],
  ['lots', "memory 'lots' is not a memory quantity", 'Use a number with a unit'],
]
for (const [input, error, hint] of bad) {
  mem(`${JSON.stringify(input)} is rejected`, () => {
    const r = normalizeMemory(input)
    assert.ok('error' in r)
    if ('error' in r) {
      assert.is(r.error, error)
      assert.ok(r.hint.startsWith(hint), r.hint)
    }
  })
}

cpu.run()
mem.run()
