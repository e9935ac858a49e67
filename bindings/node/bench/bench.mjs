// Per-call and batch timings of the Node binding (release build).
// Run with `bash bindings/node/bench/run.sh`; not part of make test.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const pt = require(process.env.PRACTICETEXT_NODE ?? '../practicetext.js')

const NUMBER = '(650) 253-0000'
const TEXT = "Hi Max, your pet's vaccines are due. Call us at (650) 253-0000 to book."

function best(fn, iterations, items = 1, repeat = 5) {
  let min = Infinity
  fn() // warm up
  for (let r = 0; r < repeat; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) fn()
    const ns = Number(process.hrtime.bigint() - t0) / iterations / items
    min = Math.min(min, ns)
  }
  return min
}

function row(label, ns, unit) {
  console.log(`${label.padEnd(48)} ${ns.toFixed(0).padStart(8)} ns/${unit}`)
  return ns
}

const numbers = Array(100_000).fill(NUMBER)
const texts = Array(10_000).fill(TEXT)

console.log('practicetext (Node binding)')
const phone = row('parsePhone (valid)', best(() => pt.parsePhone(NUMBER), 200_000), 'call')
row('parsePhone in a JS loop (100,000 numbers)', best(() => numbers.map((n) => pt.parsePhone(n)), 3, 100_000), 'item')
row('parsePhones (100,000 numbers)', best(() => pt.parsePhones(numbers), 3, 100_000), 'item')
const seg = row('countSegments', best(() => pt.countSegments(TEXT), 200_000), 'call')
row('countSegments in a JS loop (10,000 texts)', best(() => texts.map((t) => pt.countSegments(t)), 10, 10_000), 'item')
const segBatch = row('countSegmentsBatch (10,000 texts)', best(() => pt.countSegmentsBatch(texts), 10, 10_000), 'item')
row('checkText', best(() => pt.checkText(TEXT), 50_000), 'call')
row('checkTexts (10,000 texts)', best(() => pt.checkTexts(texts), 5, 10_000), 'item')
row('classifyKeyword', best(() => pt.classifyKeyword(TEXT), 50_000), 'call')
row('classifyKeywords (10,000 texts)', best(() => pt.classifyKeywords(texts), 5, 10_000), 'item')
console.log(`\nsegments: ${seg.toFixed(0)} ns per call, ${segBatch.toFixed(0)} ns per text in a batch; phone: ${phone.toFixed(0)} ns per call`)
