import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {completeWords, type CommandSpec} from '../../../src/core/complete/words.js'

const commands: CommandSpec[] = [
  {id: 'run', args: ['step'], variadic: true, flags: [
    {name: 'param', takesValue: true, multiple: true},
    {name: 'runner', takesValue: true, options: ['auto', 'docker', 'process']},
    {name: 'no-cache', takesValue: false},
    {name: 'project', takesValue: true},
    {name: 'run-id', takesValue: true, hidden: true},
  ]},
  {id: 'runs:list', args: [], flags: [{name: 'quiet', char: 'q', takesValue: false}, {name: 'experiment', takesValue: true}]},
  {id: 'runs:get', args: ['run'], flags: []},
  {id: 'logs', args: ['run', 'step'], flags: [{name: 'follow', char: 'f', takesValue: false}, {name: 'tail', takesValue: true}]},
  {id: 'target:use', args: ['name'], flags: []},
  {id: 'complete', args: [], flags: [], hidden: true},
]

const t = suite('completeWords')
const cases: [string, string[], string, unknown][] = [
  ['top-level words, hidden commands left out', [], '', {type: 'words', words: ['logs', 'run', 'runs', 'target']}],
  ['a topic lists its commands', ['runs'], '', {type: 'words', words: ['get', 'list']}],
  ['a prefix', ['runs'], 'l', {type: 'words', words: ['list']}],
  ['flags, hidden ones left out', ['run'], '--', {type: 'words', words: ['--no-cache', '--param', '--project', '--runner']}],
  ['a flag given once is not offered again, a repeatable one is', ['run', '--runner', 'auto'], '--', {type: 'words', words: ['--no-cache', '--param', '--project']}],
  ['the options of a flag', ['run', '--runner'], 'd', {type: 'words', words: ['docker']}],
  ['--flag=value form', ['run'], '--runner=p', {type: 'words', words: ['--runner=process']}],
  ['parameter names', ['run', '--param'], 'startY', {type: 'values', kind: 'params', prefix: 'startY', lead: ''}],
  ['--param=…', ['run'], '--param=st', {type: 'values', kind: 'params', prefix: 'st', lead: '--param='}],
  ['the first argument of logs is a run', ['logs'], '', {type: 'values', kind: 'runs', prefix: '', lead: ''}],
  ['the second a step, flags and their values not counted', ['logs', '--tail', '5', 'latest', '-f'], 'h', {type: 'values', kind: 'steps', prefix: 'h', lead: ''}],
  ['variadic steps of run', ['run', '--no-cache', 'a', 'b'], '', {type: 'values', kind: 'steps', prefix: '', lead: ''}],
  ['target use NAME', ['target', 'use'], '', {type: 'values', kind: 'targets', prefix: '', lead: ''}],
  ['a file flag', ['run', '--project'], '', {type: 'values', kind: 'files', prefix: '', lead: ''}],
  ['a flag value kfp cannot know', ['logs', 'latest', '--tail'], '', {type: 'words', words: []}],
  ['no argument left', ['runs', 'get', 'x'], '', {type: 'words', words: []}],
]
for (const [name, words, current, want] of cases) t(name, () => assert.equal(completeWords(commands, words, current), want))
t.run()
