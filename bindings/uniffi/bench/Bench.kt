// Per-call and batch timings of the Kotlin binding on the JVM (release
// library). Run with `bash bindings/uniffi/bench/run.sh`; not part of make test.
import dev.practicetext.ffi.checkText
import dev.practicetext.ffi.checkTexts
import dev.practicetext.ffi.classifyKeyword
import dev.practicetext.ffi.classifyKeywords
import dev.practicetext.ffi.countSegments
import dev.practicetext.ffi.countSegmentsBatch
import dev.practicetext.ffi.parsePhone
import dev.practicetext.ffi.parsePhones

const val NUMBER = "(650) 253-0000"
const val TEXT = "Hi Max, your pet's vaccines are due. Call us at (650) 253-0000 to book."

fun best(iterations: Int, items: Int = 1, f: () -> Unit): Double {
    repeat(iterations.coerceAtMost(20_000)) { f() } // warm up the JIT
    var min = Double.MAX_VALUE
    repeat(5) {
        val t0 = System.nanoTime()
        repeat(iterations) { f() }
        min = minOf(min, (System.nanoTime() - t0).toDouble() / iterations / items)
    }
    return min
}

fun row(label: String, ns: Double, unit: String) = println("${label.padEnd(48)} ${"%8.0f".format(ns)} ns/$unit")

fun main() {
    val numbers = List(100_000) { NUMBER }
    val texts = List(10_000) { TEXT }
    println("practicetext (Kotlin binding, JVM)")
    row("parsePhone (valid)", best(200_000) { parsePhone(NUMBER) }, "call")
    row("parsePhones (100,000 numbers)", best(5, 100_000) { parsePhones(numbers) }, "item")
    row("countSegments", best(200_000) { countSegments(TEXT) }, "call")
    row("countSegmentsBatch (10,000 texts)", best(20, 10_000) { countSegmentsBatch(texts) }, "item")
    row("checkText", best(50_000) { checkText(TEXT) }, "call")
    row("checkTexts (10,000 texts)", best(5, 10_000) { checkTexts(texts) }, "item")
    row("classifyKeyword", best(50_000) { classifyKeyword(TEXT) }, "call")
    row("classifyKeywords (10,000 texts)", best(5, 10_000) { classifyKeywords(texts) }, "item")
}
