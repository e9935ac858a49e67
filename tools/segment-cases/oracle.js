// Adds what Twilio's message-segment-calculator (sms-segments-calculator)
// says about each case read from stdin: encoding, units, segments, units
// remaining in the last segment, characters (graphemes, CR LF as two).
const { SegmentedMessage } = require(process.env.CALCULATOR || './dist');
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
for (const line of lines) {
  const c = JSON.parse(line);
  const m = new SegmentedMessage(c.text);
  const bitsPerUnit = m.encodingName === 'GSM-7' ? 7 : 16;
  const units = m.encodedChars.reduce((n, ch) => n + ch.sizeInBits() / bitsPerUnit, 0);
  const last = m.segments[m.segments.length - 1];
  const out = {
    name: c.name,
    text: c.text,
    encoding: m.encodingName,
    units,
    segments: m.segmentsCount,
    remaining: Math.floor(last.freeSizeInBits() / bitsPerUnit),
    characters: m.graphemes.length,
  };
  console.log(JSON.stringify(out));
}
