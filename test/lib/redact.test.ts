import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {clearSecrets, displayUrl, redact, redactDeep, registerSecret} from '../../src/lib/redact.js'

const R = suite('redact (src/lib/redact.ts)')
R.before.each(() => clearSecrets())

const cases: Array<[string, string, string]> = [
  ['URL password', 'cannot reach http://admin:s3cret@kfp.example:8080/pipeline', 'cannot reach http://admin:***@kfp.example:8080/pipeline'],
  ['URL password, https, no user', 'https://:tok123@h/x', 'https://:***@h/x'],
  ['URL without password is kept', 'http://admin@h and https://h/x', 'http://admin@h and https://h/x'],
  ['echoed Authorization header', '{"headers":{"authorization":"Bearer abc.def.ghi-123456"}}', '{"headers":{"authorization":"Bearer ***"}}'],
  ['Authorization: Basic', 'Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic ***'],
  ['a bare bearer token', 'rejected Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig', 'rejected Bearer ***'],
  ['Cookie header', 'Cookie: authservice_session=MTY5abc; other=1\nnext line', 'Cookie: ***\nnext line'],
  ['plain text is untouched', 'step 1 succeeded in 3s', 'step 1 succeeded in 3s'],
]
for (const [name, input, expected] of cases) R(name, () => assert.is(redact(input), expected))

R('registered secrets are masked wherever they appear, cookie values one by one', () => {
  registerSecret('tok-very-secret')
  registerSecret('authservice_session=MTY5OTk5abcdef; csrf=qwertyuiop')
  assert.is(redact('server said: invalid token tok-very-secret'), 'server said: invalid token ***')
  assert.is(redact('session MTY5OTk5abcdef expired; csrf qwertyuiop'), 'session *** expired; csrf ***')
  registerSecret('abc')
  assert.is(redact('abc is too short to be a secret'), 'abc is too short to be a secret')
})

R('redactDeep masks strings at any depth (--json envelopes, serverMessage)', () => {
  registerSecret('tok-very-secret')
  assert.equal(redactDeep({status: 6, error: {message: 'x tok-very-secret', data: {serverMessage: 'Bearer tok-very-secret', list: ['http://a:b@h']}}}), {
    status: 6,
    error: {message: 'x ***', data: {serverMessage: 'Bearer ***', list: ['http://a:***@h']}},
  })
})

R('an echoed Cookie header is masked; prose that says "cookie:" before a command is not', () => {
  assert.is(redact('Cookie: authservice_session=abc123; other=x'), 'Cookie: ***')
  assert.is(redact('"cookie": "oauth2_proxy_kubeflow=zz"'), '"cookie": "***"')
  const hint = '  session cookie: kfp target add prod --endpoint http://h --cookie-file ~/.config/kfp/cookie'
  assert.is(redact(hint), hint)
})

R('displayUrl', () => assert.is(displayUrl('http://admin:pw@host/pipeline'), 'http://admin:***@host/pipeline'))

R.run()
