// Segments (P7), content compliance (P1-P6) and keywords (C1-C3, C5) from Node.
import { test } from 'node:test'
import assert from 'node:assert/strict'

import { pt } from './helpers.mjs'

test('P7: a GSM text costs one segment', () => {
  const s = pt.countSegments("Your pet's vaccines are due. Call 555-0123 to book.")
  assert.equal(s.encoding, 'GSM-7')
  assert.deepEqual([s.segments, s.remaining, s.perSegment], [1, 109, 160])
  assert.deepEqual(s.ucs2Chars, [])
})

test('P7: a curly quote forces UCS-2 and a fix is suggested', () => {
  const s = pt.countSegments('Reminder: Max’s dental is Tue 9:30.')
  assert.equal(s.encoding, 'UCS-2')
  assert.deepEqual(s.ucs2Chars[0], { text: '’', start: 13, end: 14, replacement: "'" })
  assert.equal(s.smartEncoding.encoding, 'GSM-7')
  assert.equal(s.smartEncoding.text, "Reminder: Max's dental is Tue 9:30.")
})

test('P7: emoji are surrogate pairs and positions are code points', () => {
  const text = 'Hi 🐶 Rex’s checkup'
  const s = pt.countSegments(text)
  const forced = s.ucs2Chars.map((c) => Array.from(text).slice(c.start, c.end).join(''))
  assert.deepEqual(forced, ['🐶', '’'])
  assert.equal(pt.countSegments('🐶'.repeat(35)).units, 70)
})

test('P7: batch equals single calls', () => {
  const texts = ['hi', 'Max’s', 'a'.repeat(400), '']
  assert.deepEqual(pt.countSegmentsBatch(texts), texts.map((t) => pt.countSegments(t)))
})

test('P1, P2: shorteners and cannabis block', () => {
  const r = pt.checkText('Get CBD treats: bit.ly/x')
  assert.equal(r.verdict, 'block')
  const codes = r.findings.map((f) => f.code)
  assert.ok(codes.includes('url_shortener') && codes.includes('cannabis'), codes.join())
  assert.equal(r.segments.segments, 1)
})

test('P5: promotional wording blocks a broadcast only', () => {
  const text = 'Save 20% off dental cleanings this week!'
  assert.equal(pt.checkText(text, 'conversation').verdict, 'warn')
  assert.equal(pt.checkText(text, 'broadcast').verdict, 'block')
  assert.deepEqual(pt.checkTexts(['hi', 'bit.ly/x'], 'broadcast').map((r) => r.verdict), ['ok', 'block'])
})

test('P1, P6: an organization checker, and an unusable policy lists its problems', () => {
  const c = new pt.Checker({ own_domains: ['happypaws.example'] })
  assert.equal(c.check('Book at https://happypaws.example/b').verdict, 'ok')
  assert.deepEqual(c.checkBatch(['hi', 'bit.ly/x']).map((r) => r.verdict), ['ok', 'block'])
  assert.throws(() => new pt.Checker({ cannabis_terms: ['!'] }), { code: 'invalid_policy' })
})

test('C1-C3, C5: keywords', () => {
  for (const t of ['STOP', 'Stop.', ' stop ', 'STOP!!', 'arrêt']) assert.equal(pt.classifyKeyword(t).action, 'opt_out', t)
  const nl = pt.classifyKeyword('please stop texting me')
  assert.deepEqual([nl.action, nl.review, nl.flags], ['opt_out', true, ['natural_language_opt_out']])
  assert.equal(pt.classifyKeyword('can I stop by tomorrow?').action, 'none')
  assert.equal(pt.classifyKeyword('YES').action, 'none')
  assert.equal(pt.classifyKeyword('YES', true).action, 'opt_in')
  assert.equal(pt.classifyKeyword('HELP').action, 'help')
  const c = pt.classifyKeyword('CANCEL')
  assert.deepEqual([c.action, c.flags, c.keyword], ['opt_out', ['possible_cancellation'], 'CANCEL'])
  assert.deepEqual(pt.classifyKeywords(['YES', 'STOP'], true).map((k) => k.action), ['opt_in', 'opt_out'])
})

test('C1: organization keywords extend the built-in lists', () => {
  const k = new pt.Keywords({ opt_out: ['DETENER'] })
  assert.equal(k.classify('detener').action, 'opt_out')
  assert.equal(k.classify('STOP').action, 'opt_out')
  assert.deepEqual(k.classifyBatch(['detener', 'hola']).map((c) => c.action), ['opt_out', 'none'])
})

test('10,000 texts checked in one call', () => {
  const out = pt.checkTexts(Array(10_000).fill('Your appointment is tomorrow at 9.'))
  assert.equal(out.length, 10_000)
  assert.equal(out[9_999].verdict, 'ok')
})

test('S1, S2: checkRecipient lists every missing item', () => {
  const a = pt.checkRecipient({ kind: 'contact', notify: 'sms' })
  assert.equal(a.ok, false)
  assert.deepEqual(a.missing.map((m) => m.code), ['missing_first_name', 'missing_last_name', 'missing_cell_phone'])
  const ok = pt.checkRecipient('{"kind": "patient", "date_of_birth": "1980-02-03", "cell_phone": "(650) 253-0000"}')
  assert.equal(ok.ok, true)
})

test('the JavaScript-built results equal the native objects', async () => {
  const { createRequire } = await import('node:module')
  const native = createRequire(import.meta.url)('../index.js')
  const texts = ['', 'hi', 'Max’s', '🐶 Rex', 'a'.repeat(161), 'é'.repeat(80), 'Zürich [x] {y} €5', 'line\r\nbreak']
  for (const t of texts) assert.deepEqual(pt.countSegments(t), native.countSegments(t), t)
  assert.deepEqual(pt.countSegmentsBatch(texts), native.countSegmentsBatch(texts))
  const numbers = ['(650) 253-0000', '416-253-0000', '800-253-0000', '911', '', '+44 20 7946 0958']
  assert.deepEqual(pt.parsePhones(numbers), native.parsePhones(numbers))
  for (const n of numbers.slice(0, 3)) assert.deepEqual(pt.parsePhone(n), native.parsePhone(n))
  const checked = [...texts, 'Get CBD at bit.ly/x', 'Save 20% off!', 'HELLO THERE THIS IS ALL CAPS TEXT']
  for (const mode of [undefined, 'conversation', 'broadcast']) {
    assert.deepEqual(pt.checkTexts(checked, mode), native.checkTexts(checked, mode))
    for (const t of checked) assert.deepEqual(pt.checkText(t, mode), native.checkText(t, mode), t)
  }
  assert.throws(() => pt.checkTexts(['ok'], 'BROADCAST'), { code: 'invalid_argument' })
})

test('a surrogate pair split across two texts of a batch is two lone surrogates', () => {
  assert.throws(() => pt.countSegmentsBatch(['ok \ud83d', '\udc36 ok']), (e) => e.code === 'invalid_unicode' && e.message.includes('texts[0]'))
  assert.throws(() => pt.parsePhones(['650\ud800', '2530000']), (e) => e.code === 'invalid_unicode' && e.message.includes('numbers[0]'))
})
