// Every JSON scenario in tests/scenarios runs through the Node binding, and
// this file checks each step's expectation itself (SPEC R1-R7, A1-A5,
// C1-C7, X4, V10: the rules the fixtures name).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'

import { partialMatch, pt, scenarioPaths } from './helpers.mjs'

const paths = scenarioPaths()

test('the fixtures are all there', () => {
  assert.ok(paths.length >= 51, `${paths.length} scenarios`)
})

for (const path of paths) {
  test(`scenario ${basename(path, '.json')}`, () => {
    const scenario = JSON.parse(readFileSync(path, 'utf8'))
    assert.ok(scenario.rules.length > 0, 'names no SPEC rule')
    const steps = pt.replayScenario(scenario)
    assert.equal(steps.length, scenario.events.length)
    scenario.events.forEach((event, i) => {
      if (!('expect' in event)) return
      const mismatch = partialMatch(event.expect, steps[i].actual)
      assert.equal(mismatch, null, `${scenario.name} step ${i}: ${mismatch}`)
      // The Rust runner judged the same step the same way.
      assert.equal(steps[i].mismatch, null)
    })
  })
}

test('a broken expectation fails here too', () => {
  const path = paths.find((p) => p.endsWith('c1_stop_with_punctuation_opts_out.json'))
  const text = readFileSync(path, 'utf8')
  const scenario = JSON.parse(text)
  const steps = pt.replayScenario(text)
  const broken = structuredClone(scenario.events[0].expect)
  broken.sent = []
  assert.notEqual(partialMatch(broken, steps[0].actual), null)
  const action = structuredClone(scenario.events[0].expect)
  action.result.decision.classification.action = 'none'
  assert.match(partialMatch(action, steps[0].actual), /classification\.action/)
})

test('partial match semantics', () => {
  const actual = { a: 1, b: { c: [1, 2], d: 'x' }, t: true }
  assert.equal(partialMatch({ b: { d: 'x' } }, actual), null)
  assert.notEqual(partialMatch({ b: { c: [1] } }, actual), null)
  assert.equal(partialMatch({ z: null }, actual), null)
  assert.notEqual(partialMatch({ z: 1 }, actual), null)
  assert.notEqual(partialMatch({ t: 1 }, actual), null)
  assert.notEqual(partialMatch({ a: null }, actual), null)
})

test('a malformed scenario is refused with a code', () => {
  assert.throws(() => pt.replayScenario({ name: 'x', directory: 'nowhere', events: [] }), { code: 'invalid_scenario' })
  assert.throws(() => pt.replayScenario('{'), { code: 'bad_input' })
})
