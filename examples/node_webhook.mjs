// A practice's inbound-text webhook in Node, Express-style on node:http (no
// npm dependency): verify the provider's signature (X-Twilio-Signature:
// HMAC-SHA1 over the URL and the sorted form fields, SPEC X3), hand the
// text to practicetext, answer TwiML (or JSON when the caller asks for it).
// Replies such as the STOP confirmation leave through the host transport.
//
// Run: `make node-test` (it runs this after the suite), or after
// `npx napi build --platform` in bindings/node: `node examples/node_webhook.mjs`.
// Exits 1 if the library or the server answers differently than expected.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import assert from 'node:assert/strict'

const require = createRequire(import.meta.url)
const pt = require('../bindings/node/practicetext.js') // in an app: require('@practicetext/node')

const AUTH_TOKEN = 'test-auth-token'
const PUBLIC_URL = 'https://texts.happypaws.example'

/** The provider's signature over `url` and the form fields (SPEC X3). */
function sign(url, fields) {
  const mac = createHmac('sha1', AUTH_TOKEN).update(url)
  for (const [k, v] of [...fields].sort(([a, x], [b, y]) => (a === b ? cmp(x, y) : cmp(a, b)))) {
    mac.update(k).update(v)
  }
  return mac.digest('base64')
}
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0)

function verified(req, body) {
  const fields = [...new URLSearchParams(body)]
  const expected = Buffer.from(sign(PUBLIC_URL + req.url, fields))
  const given = Buffer.from(String(req.headers['x-twilio-signature'] ?? ''))
  return given.length === expected.length && timingSafeEqual(given, expected) ? fields : null
}

/** A tiny Express-like router: app.post(path, handler(req, res, body)). */
function app() {
  const routes = new Map()
  const server = createServer(async (req, res) => {
    const chunks = []
    for await (const c of req) chunks.push(c)
    const handler = routes.get(`${req.method} ${req.url}`)
    if (!handler) return send(res, 404, { code: 'not_found' })
    try {
      await handler(req, res, Buffer.concat(chunks).toString('utf8'))
    } catch (e) {
      // Library errors carry a stable code; map them, never the message.
      send(res, e.code === 'bad_input' ? 400 : 500, { code: e.code ?? 'internal', message: e.message })
    }
  })
  return { server, post: (path, h) => routes.set(`POST ${path}`, h) }
}

function send(res, status, json) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json))
}

const sent = []
const practice = await pt.Practice.open('memory', {
  sendSms: (sms) => {
    sent.push(sms)
    return `SMout${sent.length}`
  },
  now: () => Date.parse('2026-11-24T15:00:00Z'),
})
await practice.putDirectory(pt.sampleDirectory())

const web = app()
web.post('/sms', async (req, res, body) => {
  const fields = verified(req, body)
  if (!fields) return send(res, 403, { code: 'signature_invalid', message: 'the signature does not match' })
  const form = Object.fromEntries(fields)
  const out = await practice.handleInbound({
    from: form.From,
    to: form.To,
    body: form.Body ?? '',
    provider_id: form.MessageSid,
  })
  if (req.headers.accept === 'application/json') return send(res, 200, out)
  // Replies already went out through sendSms: the TwiML answer is empty.
  res.writeHead(200, { 'content-type': 'text/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><Response/>')
})

await new Promise((ok) => web.server.listen(0, '127.0.0.1', ok))
const base = `http://127.0.0.1:${web.server.address().port}`

async function post(form, { accept, signature } = {}) {
  const body = new URLSearchParams(form).toString()
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': signature ?? sign(`${PUBLIC_URL}/sms`, Object.entries(form)),
  }
  if (accept) headers.accept = accept
  return fetch(`${base}/sms`, { method: 'POST', headers, body })
}

try {
  const stop = { MessageSid: 'SM42', From: '+14162530000', To: '+16502530001', Body: 'Stop.' }
  const first = await post(stop, { accept: 'application/json' })
  assert.equal(first.status, 200)
  const decision = (await first.json()).decision
  assert.equal(decision.consent_change.action, 'opt_out', 'Stop. opts out (C1)')
  assert.deepEqual(sent.map((s) => s.to), ['+14162530000'], 'one confirmation (C4)')
  console.log(`POST /sms "Stop." -> 200, ${decision.consent_change.action}, confirmation sent`)

  const again = await post(stop)
  assert.equal(again.status, 200)
  assert.match(await again.text(), /<Response\/>/)
  assert.equal(sent.length, 1, 'a retried webhook is handled once (V10)')
  console.log('POST /sms again (provider retry) -> 200 TwiML, nothing sent twice')

  const forged = await post({ ...stop, Body: 'START' }, { signature: sign(`${PUBLIC_URL}/sms`, []) })
  assert.equal(forged.status, 403, 'a forged post is refused (X3)')
  console.log('POST /sms with a forged signature -> 403')

  const [check] = await practice.canSend({
    organization: 'happy-paws',
    user: 'alice',
    to: [{ typed: '416-253-0000' }],
    body: 'Your appointment is tomorrow',
  })
  assert.equal(check.allowed, false)
  assert.deepEqual(check.refusals.map((r) => r.code), ['recipient_opted_out'])
  console.log(`canSend after STOP -> refused: ${check.refusals[0].message}`)
  console.log('node example: ok')
} finally {
  web.server.close()
}
