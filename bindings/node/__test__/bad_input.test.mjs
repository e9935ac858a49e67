// Bad input from JavaScript never crashes: it throws an Error whose code is
// the library's (invalid_argument, invalid_unicode, bad_input, or the
// area's own).
import { test } from 'node:test'
import assert from 'node:assert/strict'

import { pt, samplePractice } from './helpers.mjs'

const calls = {
  parsePhone: (v) => pt.parsePhone(v),
  countSegments: (v) => pt.countSegments(v),
  checkText: (v) => pt.checkText(v),
  classifyKeyword: (v) => pt.classifyKeyword(v),
}

test('null, undefined and wrong types throw invalid_argument', () => {
  for (const [name, call] of Object.entries(calls)) {
    for (const v of [null, undefined, 6502530000, 12n, true, {}, ['650'], Symbol('x'), () => 1]) {
      assert.throws(() => call(v), { code: 'invalid_argument' }, `${name}(${String(v)})`)
    }
  }
  assert.throws(() => pt.parsePhone(), { code: 'invalid_argument' })
})

test('lone surrogates throw invalid_unicode instead of being altered', () => {
  for (const [name, call] of Object.entries(calls)) {
    for (const v of ['650\ud800253', '\udfff', 'ok\ud83d']) {
      assert.throws(() => call(v), { code: 'invalid_unicode' }, name)
    }
  }
  // A well-formed pair is fine.
  assert.equal(pt.countSegments('\ud83d\udc36').units, 2)
})

test('batches name the bad item', () => {
  assert.throws(() => pt.parsePhones(['6502530000', null]), (e) => e.code === 'invalid_argument' && e.message.includes('numbers[1]'))
  assert.throws(() => pt.countSegmentsBatch(['ok', '\udfff']), (e) => e.code === 'invalid_unicode' && e.message.includes('texts[1]'))
  assert.throws(() => pt.parsePhones('6502530000'), { code: 'invalid_argument' })
  assert.throws(() => pt.classifyKeywords(null), { code: 'invalid_argument' })
  assert.throws(() => pt.checkTexts({ length: 2 }), { code: 'invalid_argument' })
})

test('flags and modes are checked', () => {
  assert.throws(() => pt.classifyKeyword('YES', 1), { code: 'invalid_argument' })
  assert.throws(() => pt.classifyKeyword('YES', 'true'), { code: 'invalid_argument' })
  assert.throws(() => pt.checkText('hi', 'BROADCAST'), { code: 'invalid_argument' })
  assert.equal(pt.checkText('hi', undefined).verdict, 'ok')
  assert.equal(pt.classifyKeyword('YES', undefined).action, 'none')
})

test('huge strings are answered, not crashed', () => {
  const huge = 'a'.repeat(10_000_000)
  assert.throws(() => pt.parsePhone(huge), { code: 'too_long' })
  assert.ok(pt.countSegments(huge).segments > 60_000)
  assert.equal(pt.classifyKeyword(huge).action, 'none')
})

test('JSON requests refuse bad shapes with codes', async () => {
  const p = await samplePractice()
  const cycle = {}
  cycle.self = cycle
  const cases = [
    [null, 'invalid_argument'],
    [undefined, 'invalid_argument'],
    [42, 'invalid_argument'],
    [cycle, 'invalid_argument'],
    [{ n: 1n }, 'invalid_argument'],
    ['{not json', 'bad_input'],
    [[], 'bad_input'],
    [{ from: '+14162530000', to: '+16502530001' }, 'bad_input'],
    [{ from: '+14162530000', to: '+16502530001', body: 'x', media_count: -1 }, 'bad_input'],
    [{ from: '+14162530000', to: '+16502530001', body: 'x', media_count: 1.5 }, 'bad_input'],
    [{ from: '+14162530000', to: '+16502530001', body: 'lone \ud800' }, 'bad_input'],
  ]
  for (const [request, code] of cases) {
    // Argument errors throw at once; request errors reject the Promise.
    await assert.rejects(async () => p.handleInbound(request), { code }, JSON.stringify(String(request)))
  }
})

test('bad input messages do not echo patient data', async () => {
  const p = await samplePractice()
  await assert.rejects(
    p.handleInbound({ from: '+14162530000', to: '+44 20 7946 0958', body: 'x' }),
    (e) => e.code === 'bad_input' && !e.message.includes('7946') && e.message.includes('not_north_american'),
  )
})

test('store spec and host errors', async () => {
  assert.throws(() => new pt.Practice('mysql://x'), { code: 'invalid_store_spec' })
  assert.throws(() => new pt.Practice(42), { code: 'invalid_argument' })
  assert.throws(() => new pt.Practice('memory', { sendSms: 'nope' }), { code: 'invalid_argument' })
  assert.throws(() => new pt.Practice('memory', { sendEmail: () => {} }), { code: 'invalid_argument' })
  await assert.rejects(pt.Practice.open('sqlite:/nonexistent-dir/x/y.db'), { code: 'store_open_failed' })
})

test('broadcast requests refuse negative numbers and wrong types', async () => {
  const p = await samplePractice()
  const request = {
    organization: 'happy-paws',
    sender: 'alice',
    range: { preset: 'whole_days', first_day: '2026-11-24', days: 1 },
    message: 'x',
  }
  for (const bad of [
    { request: { ...request, pace: -5 } },
    { request: { ...request, range: { ...request.range, days: -1 } } },
    { request, clients: 'everyone' },
    { request, appointments: [{ id: 'a', client: 'c', starts_at: 5 }] },
  ]) {
    await assert.rejects(p.broadcastPreflight(bad), { code: 'bad_input', area: 'input' }, JSON.stringify(bad))
  }
  for (const bad of [
    { organization: 'happy-paws', broadcast: 'b', max_steps: -1 },
    { organization: 'happy-paws', broadcast: 'b', conversations_waiting: -1 },
    { organization: 'happy-paws', broadcast: null },
  ]) {
    await assert.rejects(p.broadcastRun(bad), { code: 'bad_input' }, JSON.stringify(bad))
  }
  assert.throws(() => p.broadcastStart(undefined), { code: 'invalid_argument', area: 'input' })
  assert.throws(() => p.broadcastRun(null), { code: 'invalid_argument' })
})

test('a lone surrogate in a JSON string request is invalid_unicode', async () => {
  const p = await samplePractice()
  assert.throws(() => p.handleInbound('{"from": "+14162530000", "to": "+16502530001", "body": "\ud800"}'), {
    code: 'invalid_unicode',
    area: 'input',
  })
  assert.throws(() => pt.checkRecipient({ kind: 'patient', first_name: '\udc00' }), { code: 'bad_input' })
})

test('a huge JSON request is answered', async () => {
  const p = await samplePractice()
  const out = await p.handleInbound({ from: '+14162530000', to: '+16502530001', body: 'a'.repeat(10_000_000) })
  assert.equal(out.outcome, 'handled')
  await assert.rejects(async () => p.handleInbound('['.repeat(10_000_000)), { code: 'bad_input' })
})
