// A practice over a store from Node: the engine on the memory store (C1,
// C4, C6, C7, V1-V10) through Promises computed off the main thread, the
// engine on SQLite and PostgreSQL, mass alerts (B1-B9), host transports and
// clocks in JavaScript.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'

import { ORG, postgresUrl, pt, samplePractice } from './helpers.mjs'

const STOP = { from: '+14162530000', to: '+16502530001', body: 'STOP', provider_id: 'SM1' }
const SEND = { organization: ORG, user: 'bob', to: [{ typed: '416-253-0000' }], body: 'Hi' }

test('C1, C4, V10: STOP opts out, one confirmation, a repeat changes nothing', async () => {
  const p = await samplePractice()
  const out = await p.handleInbound(STOP)
  assert.equal(out.outcome, 'handled')
  assert.equal(out.decision.consent_change.action, 'opt_out')
  assert.deepEqual(p.takeSent().sms.map((s) => s.to), ['+14162530000'])
  assert.equal((await p.handleInbound(STOP)).outcome, 'duplicate')
  assert.deepEqual(p.takeSent().sms, [])
  assert.equal((await p.consent({ organization: ORG, number: '416-253-0000' })).opted_out, true)
  assert.equal((await p.consentHistory({ organization: ORG })).length, 1)
})

test('C4: a send to an opted-out number is refused with its code', async () => {
  const p = await samplePractice()
  await p.handleInbound(STOP)
  const [check] = await p.canSend(SEND)
  assert.equal(check.allowed, false)
  assert.deepEqual(check.refusals.map((r) => r.code), ['recipient_opted_out'])
})

test('C6, C7: a block is recorded with the staff member', async () => {
  const p = await samplePractice()
  const t = await p.setBlocked({ organization: ORG, number: '+14162530000', blocked: true, by: 'alice' })
  assert.equal(t.after.blocked, true)
  const [change] = await p.consentHistory({ organization: ORG, number: '+14162530000' })
  assert.deepEqual(change.source, { kind: 'staff', username: 'alice' })
})

test('R2: a send goes out through a JavaScript transport answering with a Promise', async () => {
  const sent = []
  const p = await samplePractice({
    // Resolving later proves the call runs off the main thread: a blocked
    // main thread could never run this timer.
    sendSms: (sms) => new Promise((resolve) => setTimeout(() => resolve(`SM${sent.push(sms)}`), 5)),
  })
  const [out] = await p.send(SEND)
  assert.equal(out.delivered.provider_id, 'SM1')
  assert.deepEqual(sent, [{ organization: ORG, from: '+16502530002', to: '+14162530000', body: 'Hi' }])
  assert.deepEqual(p.takeSent(), { sms: [], emails: [] })
})

test('a synchronous JavaScript transport works too', async () => {
  const p = await samplePractice({ sendSms: () => 'SMsync' })
  const [out] = await p.send(SEND)
  assert.equal(out.delivered.provider_id, 'SMsync')
})

test('transport refusals and outages are reported per recipient', async () => {
  const rejected = Object.assign(new Error('unsubscribed recipient'), { code: 'transport_rejected', providerCode: 21610 })
  const cases = [
    [() => { throw rejected }, 'refused'],
    [() => Promise.reject(rejected), 'refused'],
    [() => { throw new Error('provider unreachable') }, 'could not be reached'],
    [() => 42, 'could not be reached'],
  ]
  for (const [sendSms, expect] of cases) {
    const p = await samplePractice({ sendSms })
    const [out] = await p.send(SEND)
    assert.ok(out.delivered.error.includes(expect), out.delivered.error)
    assert.equal(out.delivered.provider_id, null)
  }
})

test('a host clock sets the time and a failing one rejects with host_clock_failed', async () => {
  let now = Date.parse('2026-03-04T05:06:07Z')
  const p = await samplePractice({ now: () => now })
  const c = await p.startConversation({ organization: ORG, our_number: '+16502530001', outside_number: '+14162530000', started_by: 'alice' })
  assert.equal(c.started_at, '2026-03-04T05:06:07Z')
  now = NaN
  await assert.rejects(p.login({ organization: ORG, user: 'alice' }), { code: 'host_clock_failed' })
})

test('V1, V3, V5: conversations from Node', async () => {
  const p = await samplePractice()
  const out = await p.handleInbound({ from: '+14162530000', to: '+16502530001', body: 'Hello', received_at: new Date('2026-01-05T10:00:00Z') })
  const conv = out.conversation
  const [c] = await p.conversations({ organization: ORG, status: 'active' })
  assert.equal(c.id, conv)
  assert.equal(c.started_at, '2026-01-05T10:00:00Z')
  const [m] = await p.messages({ organization: ORG, conversation: conv })
  assert.equal(m.body, 'Hello')
  await p.markRead({ organization: ORG, user: 'alice', conversation: conv })
  assert.equal((await p.login({ organization: ORG, user: 'alice' })).total, 0)
  const entry = await p.closeConversation({ organization: ORG, conversation: conv, by: 'alice' })
  assert.equal(entry.conversation.status, 'closed')
  await assert.rejects(p.closeConversation({ organization: ORG, conversation: conv, by: 'alice' }), { code: 'conversation_closed' })
  assert.equal((await p.deleteConversation({ organization: ORG, conversation: conv })).messages, 1)
})

test('V4: assign to a new client', async () => {
  const p = await samplePractice()
  const c = await p.startConversation({ organization: ORG, our_number: '+16502530001', outside_number: '+14162530000', started_by: 'alice' })
  const a = await p.assignConversation({
    organization: ORG,
    conversation: c.id,
    assign: { to: 'new', client: { id: 'c1', organization: ORG, kind: 'patient' } },
  })
  assert.equal(a.cell_phone, 'set')
  assert.equal((await p.client({ organization: ORG, client: 'c1' })).cell_phone, '+14162530000')
  assert.equal(await p.client({ organization: ORG, client: 'nobody' }), null)
})

test('engine and directory errors keep their codes', async () => {
  const p = await samplePractice()
  await assert.rejects(p.handleInbound({ from: '+14162530000', to: '+16502539999', body: 'hi' }), { code: 'unknown_number' })
  const bad = pt.sampleDirectory()
  bad.users[1].username = 'alice'
  await assert.rejects(p.putDirectory(bad), { code: 'duplicate_user' })
})

test('C1: SQLite runs the engine and keeps everything across opens', async () => {
  const spec = `sqlite:${join(mkdtempSync(join(tmpdir(), 'pt-')), 'practice.db')}`
  const first = await pt.Practice.open(spec)
  assert.equal(first.storeKind, 'sqlite')
  await first.putDirectory(pt.sampleDirectory())
  assert.equal((await first.handleInbound(STOP)).outcome, 'handled')
  const again = new pt.Practice(spec)
  assert.equal((await again.directory({ organization: ORG })).organization.name, 'Happy Paws Veterinary')
  assert.equal((await again.handleInbound(STOP)).outcome, 'duplicate')
  assert.equal((await again.consent({ organization: ORG, number: '+14162530000' })).opted_out, true)
})

test('C1, V1: PostgreSQL runs the engine and the inbox', async () => {
  const p = await pt.Practice.open(postgresUrl())
  assert.equal(p.storeKind, 'postgres')
  const org = `node-test-${randomUUID().slice(0, 12)}`
  const d = pt.sampleDirectory()
  d.organization.id = org
  for (const r of [...d.users, ...d.groups, ...d.numbers]) r.organization = org
  const moved = (n) => '+1212' + n.slice(5)
  for (const n of d.numbers) n.number = moved(n.number)
  for (const u of d.users) {
    u.outbound_number = moved(u.outbound_number)
    u.assigned_numbers = u.assigned_numbers.map(moved)
  }
  await p.putDirectory(d)
  assert.equal((await p.directory({ organization: org })).users[0].username, 'alice')
  const stop = { from: '+16042530000', to: '+12122530001', body: 'STOP', provider_id: `SM-${org}` }
  assert.equal((await p.handleInbound(stop)).outcome, 'handled')
  assert.equal((await p.handleInbound(stop)).outcome, 'duplicate')
  const [check] = await p.canSend({ organization: org, user: 'alice', to: [{ typed: '604-253-0000' }], body: 'x' })
  assert.deepEqual(check.refusals.map((r) => r.code), ['recipient_opted_out'])
  const [conversation] = await p.conversations({ organization: org })
  assert.equal(conversation.participants.outside_number, '+16042530000')
})

const alert = (extra = {}) => ({
  request: {
    organization: ORG,
    sender: 'alice',
    range: { preset: 'custom', start: '2026-11-23T15:00:00Z', end: '2026-11-24T15:00:00Z' },
    message: 'The power is out; we will call you to rebook.',
    pace: 60,
  },
  clients: [
    { id: 'c1', first_name: 'Ann', last_name: 'Lee', cell_phone: '(416) 253-0001' },
    { id: 'c2', first_name: 'Cy', last_name: 'Opt', cell_phone: '(416) 253-0000' },
  ],
  appointments: [
    { id: 'a1', client: 'c1', starts_at: '2026-11-23T18:00:00Z' },
    { id: 'a2', client: 'c2', starts_at: '2026-11-23T19:00:00Z' },
  ],
  ...extra,
})

for (const store of ['memory', 'sqlite::memory:']) {
  test(`B3, B4, B5, B7: broadcast preflight, start, run and report (${store})`, async () => {
    let now = Date.parse('2026-11-23T15:00:00Z')
    const p = await pt.Practice.open(store, { now: () => now })
    await p.putDirectory(pt.sampleDirectory())
    await p.handleInbound(STOP)
    p.takeSent()
    const plan = await p.broadcastPreflight(alert())
    assert.equal(plan.counts.recipients, 1)
    assert.deepEqual(plan.excluded.map((x) => x.reason.code), ['opted_out'])
    await assert.rejects(p.broadcastStart(alert({ confirm: 'not-the-token' })), {
      code: 'confirmation_mismatch',
      area: 'broadcast',
    })
    const b = await p.broadcastStart(alert({ confirm: plan.token }))
    const run = { organization: ORG, broadcast: b.id }
    const first = await p.broadcastRun(run)
    assert.deepEqual(first.steps.map((s) => s.step), ['sent', 'wait'])
    now = Date.parse(first.wait_until)
    assert.equal((await p.broadcastRun(run)).done, true)
    assert.deepEqual(p.takeSent().sms.map((s) => s.to), ['+14162530001'])
    assert.equal((await p.broadcastReport(run)).rows.length, 2)
    assert.equal((await p.broadcastActivity({ organization: ORG })).length, 1)
  })
}

test('B1: broadcast refusals reject with area broadcast', async () => {
  const p = await samplePractice()
  const staff = alert()
  staff.request.sender = 'bob'
  await assert.rejects(
    p.broadcastPreflight(staff),
    (e) => e.code === 'broadcast_refused' && e.area === 'broadcast' && e.reasons.some((r) => r.code === 'not_admin'),
  )
  await assert.rejects(p.broadcastRun({ organization: ORG, broadcast: 'nope' }), {
    code: 'broadcast_not_found',
    area: 'broadcast',
  })
})

test('many calls in flight at once', async () => {
  const p = await samplePractice()
  const all = await Promise.all(
    Array.from({ length: 20 }, (_, i) => p.handleInbound({ ...STOP, provider_id: `SM${i}` })),
  )
  assert.equal(all.length, 20)
  // C4: twenty STOPs racing, exactly one confirmation.
  assert.equal(p.takeSent().sms.length, 1)
})
