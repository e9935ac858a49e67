// Phone numbers from Node (SPEC N1, N2), one at a time and in batches.
import { test } from 'node:test'
import assert from 'node:assert/strict'

import { pt } from './helpers.mjs'

test('N1: common written forms become E.164', () => {
  for (const written of ['(650) 253-0000', '650.253.0000', '+1 650 253 0000', '1-650-253-0000']) {
    assert.deepEqual(pt.parsePhone(written), { e164: '+16502530000', region: 'US' })
  }
  assert.equal(pt.parsePhone('1-416-253-0000').region, 'CA')
  assert.equal(pt.parsePhone('800-253-0000').region, 'TOLL_FREE')
})

test('N2: refusals throw an Error whose code is the core code', () => {
  const cases = {
    '+44 20 7946 0958': 'not_north_american',
    '+1 876 555 1234': 'not_us_or_canada',
    '911-253-0000': 'invalid_area_code',
    '253-0000': 'too_short',
    '650 555 0123': 'fictional_number',
    'call me': 'not_a_number',
    '': 'empty',
  }
  for (const [written, code] of Object.entries(cases)) {
    assert.throws(() => pt.parsePhone(written), (e) => e instanceof Error && e.code === code && e.message.length > 0, written)
  }
})

test('N1, N2: batch keeps order and gives refusals as results', () => {
  const out = pt.parsePhones(['650.253.0000', '911', '+44 20 7946 0958', '416-253-0000'])
  assert.equal(out.length, 4)
  assert.equal(out[0].e164, '+16502530000')
  assert.equal(out[1].code, 'too_short')
  assert.equal(out[2].code, 'not_north_american')
  assert.ok(out[2].message.length > 0)
  assert.equal(out[3].region, 'CA')
  assert.equal(out[1].e164 ?? null, null)
})

test('a batch of 100,000 numbers', () => {
  const out = pt.parsePhones(Array(100_000).fill('(650) 253-0000'))
  assert.equal(out.length, 100_000)
  assert.equal(out[99_999].e164, '+16502530000')
})
