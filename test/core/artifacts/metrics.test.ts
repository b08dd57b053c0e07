// Scalar metrics (src/core/artifacts/metrics.ts): metadata first (as the UI reads custom properties), else the file.
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {formatMetric, isMetricsArtifact, metricsFromFile, metricsOf} from '../../../src/core/artifacts/metrics.js'

const T = suite('metrics')
const cases: Array<{name: string; metadata?: Record<string, any>; file?: string; want: Record<string, unknown>}> = [
  {name: 'metadata (Metrics.log_metric)', metadata: {accuracy: 0.9, display_name: 'm', store_session_info: '{}'}, want: {accuracy: 0.9}},
  {name: 'metadata wins over the file', metadata: {a: 1}, file: '{"b": 2}', want: {a: 1}},
  {name: 'empty metadata: a flat JSON file', metadata: {}, file: '{"accuracy": 0.91, "loss": 0.2, "name": "x", "ok": true}', want: {accuracy: 0.91, loss: 0.2, name: 'x', ok: true}},
  {name: 'nested values are not scalar metrics', file: '{"a": 1, "b": {"c": 2}, "d": [1]}', want: {a: 1}},
  {name: "KFP v1's metrics list", file: '{"metrics": [{"name": "rmse", "numberValue": 1.5, "format": "RAW"}, {"name": "bad"}]}', want: {rmse: 1.5}},
  {name: 'not JSON', file: 'accuracy=0.9', want: {}},
  {name: 'a JSON array', file: '[1,2]', want: {}},
  {name: 'an empty file', file: '', want: {}},
  {name: 'no file, no metadata', want: {}},
]
for (const c of cases) T(c.name, () => assert.equal(metricsOf(c.metadata, c.file), c.want))

T('isMetricsArtifact: the record type, else the declared one', () => {
  assert.ok(isMetricsArtifact({type: {schemaTitle: 'system.Metrics'}}))
  assert.ok(isMetricsArtifact({}, 'system.Metrics'))
  assert.not.ok(isMetricsArtifact({type: {schemaTitle: 'system.ClassificationMetrics'}}, 'system.Metrics'))
  assert.not.ok(isMetricsArtifact({}))
})

T('formatMetric', () => {
  assert.is(formatMetric(0.5), '0.5')
  assert.is(formatMetric('sgd'), 'sgd')
  assert.is(formatMetric(true), 'true')
  assert.is(formatMetric(undefined), '')
  assert.equal(metricsFromFile('{"x": 1}'), {x: 1})
})

T.run()
