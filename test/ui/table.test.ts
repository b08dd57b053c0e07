import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {colorEnabled, stripAnsi, style} from '../../src/ui/output.js'
import {paintStatus, statusLine} from '../../src/ui/status.js'
import {fitWidths, renderTable} from '../../src/ui/table.js'

const t = suite('renderTable')

const headers = ['id', 'name', 'description']
const rows = [['20260101-a1b2', 'first', 'a rather long description that does not fit on a narrow terminal']]

t('piped: TSV, no colour, tabs and newlines in a cell become spaces', () => {
  const out = renderTable(headers, [['x', style({color: true}, 'red', 'n'), 'a\tb\nc']], {tty: false, columns: 10})
  assert.is(out, 'id\tname\tdescription\nx\tn\ta b c')
})

t('terminal: fitted to the width, the widest column cut with …, the id never cut', () => {
  const out = renderTable(headers, rows, {tty: true, columns: 40})
  const lines = out.split('\n')
  for (const l of lines) assert.ok([...l].length <= 40, `${l} (${[...l].length})`)
  assert.ok(lines[1].startsWith('20260101-a1b2  first  a rather'), lines[1])
  assert.ok(lines[1].endsWith('…'), lines[1])
  assert.ok(lines[0].startsWith('ID             NAME   DESCRIPTION'), lines[0])
})

t('--wide: nothing cut', () => {
  const out = renderTable(headers, rows, {tty: true, columns: 40, wide: true})
  assert.ok(out.includes('does not fit on a narrow terminal'))
  assert.not.ok(out.includes('…'))
})

t('coloured cells are measured without their escape codes', () => {
  const cell = paintStatus({color: true}, 'failed', 'failed')
  const out = renderTable(['status', 'x'], [[cell, 'y'], ['ok', 'z']], {tty: true, columns: 80})
  assert.is(stripAnsi(out), 'STATUS  X\nfailed  y\nok      z')
  assert.ok(out.includes('\u001B[31mfailed\u001B[39m'))
})

t('fitWidths gives up characters from the widest cuttable column first, down to its minimum', () => {
  assert.equal(fitWidths([10, 20, 30], [2, 6, 6], 40, [0]), [10, 13, 13])
  // Cannot fit: stops at the minimums.
  assert.equal(fitWidths([10, 20, 30], [2, 6, 6], 5, [0]), [10, 6, 6])
})

t.run()

const c = suite('colour')

c('FORCE_COLOR forces, NO_COLOR / CI / not a TTY turn it off', () => {
  assert.is(colorEnabled(true, {}), true)
  assert.is(colorEnabled(false, {}), false)
  assert.is(colorEnabled(true, {NO_COLOR: '1'}), false)
  assert.is(colorEnabled(true, {CI: 'true'}), false)
  assert.is(colorEnabled(false, {FORCE_COLOR: '1'}), true)
  assert.is(colorEnabled(false, {FORCE_COLOR: '1', NO_COLOR: '1'}), true)
  assert.is(colorEnabled(true, {FORCE_COLOR: '0'}), false)
})

c('status looks: ✔ green, ✖ red, ↺ and – dim', () => {
  const on = {color: true}
  assert.is(statusLine(on, 'succeeded', 'a'), '\u001B[32m✔ a\u001B[39m')
  assert.is(statusLine(on, 'failed', 'a'), '\u001B[31m✖ a\u001B[39m')
  assert.is(statusLine(on, 'cached', 'a'), '\u001B[2m↺ a\u001B[22m')
  assert.is(statusLine(on, 'skipped', 'a'), '\u001B[2m– a\u001B[22m')
  assert.is(statusLine({color: false}, 'failed', 'a'), '✖ a')
})

c.run()

const k = suite('cutting coloured cells')
k('a cut cell keeps its colour and resets it after the …', () => {
  const out = renderTable(['id', 'status'], [['a', paintStatus({color: true}, 'failed', 'failed badly today')]], {tty: true, columns: 14})
  assert.is(out.split('\n')[1], 'a   \u001B[31mfailed ba…\u001B[39m')
})
k.run()

const f = suite('flex columns')
f('free-text columns are cut before the others', () => {
  const out = renderTable(['id', 'status', 'name'], [['a', 'succeeded', 'a-long-run-name']], {tty: true, columns: 24, flex: [2]})
  assert.is(out.split('\n')[1], 'a   succeeded  a-long-r…')
})
f.run()
