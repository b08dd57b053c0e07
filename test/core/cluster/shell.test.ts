import {execFileSync} from 'node:child_process'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {renderScript, resolveArgs, shQuote} from '../../../src/core/cluster/shell.js'

const quote = suite('shQuote')

const tricky = ['plain', 'a b', "it's", "'", '', '$HOME', '`id`', 'a\nb', '--labels=team=a b,o=it\'s', '"q"', '\\', '*', 'x;rm -rf /', 'é']

quote('safe words stay unquoted, the rest is single-quoted', () => {
  // Given / When / Then
  assert.is(shQuote('us-central1-a'), 'us-central1-a')
  assert.is(shQuote('--zone=us-central1-a'), '--zone=us-central1-a')
  assert.is(shQuote('a b'), "'a b'")
  assert.is(shQuote("it's"), `'it'\\''s'`)
  assert.is(shQuote(''), "''")
})

quote('every tricky value survives a real POSIX shell unchanged', () => {
  // Given a script printing each quoted word on its own NUL-terminated record
  const script = `printf '%s\\0' ${tricky.map(shQuote).join(' ')}`
  // When sh runs it
  const out = execFileSync('sh', ['-c', script], {encoding: 'utf8'})
  // Then the words come back byte for byte
  assert.equal(out.split('\0').slice(0, -1), tricky)
})

const script = suite('renderScript')

script('renders a valid sh script with captures, pipes and guarded steps', () => {
  // Given a plan with every kind of step
  const text = renderScript("title with 'quote'", [
    {title: 'probe then create', unless: {file: 'gcloud', args: ['describe', 'x y']}, cmd: {file: 'gcloud', args: ['create', "it's"]}},
    {title: 'capture', cmd: {file: 'gcloud', args: ['config', 'get-value', 'account']}, capture: 'account'},
    {title: 'pipe', stdinFrom: {file: 'kubectl', args: ['create', {ref: 'account', prefix: 'kfp admin-'}]}, cmd: {file: 'kubectl', args: ['apply', '-f', '-']}},
  ])
  // Then it starts like a POSIX script and sh -n accepts it
  assert.ok(text.startsWith('#!/bin/sh\n'))
  assert.match(text, /\nset -eu\n/)
  assert.match(text, /if ! gcloud describe 'x y' >\/dev\/null 2>&1; then\n  gcloud create 'it'\\''s'\nfi/)
  assert.match(text, /ACCOUNT="\$\(gcloud config get-value account\)"/)
  assert.match(text, /kubectl create 'kfp admin-'"\$ACCOUNT" \| kubectl apply -f -/)
  execFileSync('sh', ['-n'], {input: text})
})

script('an ifSet step runs only when the captured value is non-empty', () => {
  // Given a plan whose last step needs the captured account
  const text = renderScript('t', [
    {title: 'capture', cmd: {file: 'gcloud', args: ['config', 'get-value', 'account']}, capture: 'account'},
    {title: 'bind', ifSet: 'account', cmd: {file: 'kubectl', args: ['bind', {ref: 'account'}]}},
  ])
  // Then the step is guarded by a test of the variable
  assert.match(text, /if \[ -n "\$ACCOUNT" \]; then\n {2}kubectl bind "\$ACCOUNT"\nfi/)
  // And under sh it is skipped for an empty account and run for a set one
  const run = (account: string) =>
    execFileSync('sh', ['-c', `gcloud() { printf '%s' ${shQuote(account)}; }; kubectl() { echo "kubectl $*"; }; ${text.replace('#!/bin/sh', '')}`], {encoding: 'utf8'})
  assert.is(run(''), '')
  assert.is(run('me@x.com'), 'kubectl bind me@x.com\n')
})

script('resolveArgs substitutes captured values and refuses unknown ones', () => {
  assert.equal(resolveArgs(['a', {ref: 'account', prefix: 'p-'}, {ref: 'account'}], {account: 'me@x.com'}), ['a', 'p-me@x.com', 'me@x.com'])
  assert.throws(() => resolveArgs([{ref: 'nope'}], {}), /nope/)
})

quote.run()
script.run()
