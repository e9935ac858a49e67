package dev.practicetext.ffi.test

import dev.practicetext.ffi.Checker
import dev.practicetext.ffi.Keywords
import dev.practicetext.ffi.Mode
import dev.practicetext.ffi.PracticetextException
import dev.practicetext.ffi.checkRecipient
import dev.practicetext.ffi.checkText
import dev.practicetext.ffi.checkTexts
import dev.practicetext.ffi.classifyKeyword
import dev.practicetext.ffi.classifyKeywords
import dev.practicetext.ffi.countSegments
import dev.practicetext.ffi.countSegmentsBatch
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Segments (P7), content compliance (P1-P6) and keywords (C1-C3, C5) from Kotlin. */
class TextTest {
    @Test
    fun p7AGsmTextCostsOneSegment() {
        val s = countSegments("Your pet's vaccines are due. Call 555-0123 to book.")
        assertEquals("GSM-7", s.encoding)
        assertEquals(listOf(1u, 109u, 160u), listOf(s.segments, s.remaining, s.perSegment))
        assertTrue(s.ucs2Chars.isEmpty())
    }

    @Test
    fun p7ACurlyQuoteForcesUcs2AndAFixIsSuggested() {
        val s = countSegments("Reminder: Max’s dental is Tue 9:30.")
        assertEquals("UCS-2", s.encoding)
        val c = s.ucs2Chars.single()
        assertEquals(listOf("’", "'"), listOf(c.text, c.replacement))
        assertEquals(13u, c.start)
        assertEquals("Reminder: Max's dental is Tue 9:30.", s.smartEncoding?.text)
        assertEquals(70u, countSegments("🐶".repeat(35)).units)
    }

    @Test
    fun p7BatchEqualsSingleCalls() {
        val texts = listOf("hi", "Max’s", "a".repeat(400), "")
        assertEquals(texts.map { countSegments(it) }, countSegmentsBatch(texts))
    }

    @Test
    fun p1P2ShortenersAndCannabisBlock() {
        val r = checkText("Get CBD treats: bit.ly/x")
        assertEquals("block", r.verdict)
        val codes = r.findings.map { it.code }
        assertTrue(codes.containsAll(listOf("url_shortener", "cannabis")), codes.toString())
    }

    @Test
    fun p5PromotionalWordingBlocksABroadcastOnly() {
        val text = "Save 20% off dental cleanings this week!"
        assertEquals("warn", checkText(text).verdict)
        assertEquals("block", checkText(text, Mode.BROADCAST).verdict)
        assertEquals(listOf("ok", "block"), checkTexts(listOf("hi", "bit.ly/x"), Mode.BROADCAST).map { it.verdict })
    }

    @Test
    fun p1P6OrganizationCheckerAndAnUnusablePolicy() {
        Checker("""{"own_domains": ["happypaws.example"]}""").use { c ->
            assertEquals("ok", c.check("Book at https://happypaws.example/b").verdict)
            assertEquals(listOf("ok", "block"), c.checkBatch(listOf("hi", "bit.ly/x")).map { it.verdict })
        }
        val e = assertThrows(PracticetextException.Text::class.java) { Checker("""{"cannabis_terms": ["!"]}""") }
        assertEquals("invalid_policy", e.code)
    }

    @Test
    fun c1C3C5Keywords() {
        for (t in listOf("STOP", "Stop.", " stop ", "STOP!!", "arrêt")) assertEquals("opt_out", classifyKeyword(t).action, t)
        val nl = classifyKeyword("please stop texting me")
        assertEquals(listOf("natural_language_opt_out"), nl.flags)
        assertTrue(nl.review)
        assertEquals("none", classifyKeyword("can I stop by tomorrow?").action)
        assertEquals("none", classifyKeyword("YES").action)
        assertEquals("opt_in", classifyKeyword("YES", optedOut = true).action)
        assertEquals("help", classifyKeyword("HELP").action)
        assertEquals(listOf("possible_cancellation"), classifyKeyword("CANCEL").flags)
        assertEquals(listOf("opt_in", "opt_out"), classifyKeywords(listOf("YES", "STOP"), true).map { it.action })
    }

    @Test
    fun c1OrganizationKeywordsExtendTheBuiltInLists() {
        Keywords("""{"opt_out": ["DETENER"]}""").use { k ->
            assertEquals("opt_out", k.classify("detener").action)
            assertEquals("opt_out", k.classify("STOP").action)
            assertEquals(listOf("opt_out", "none"), k.classifyBatch(listOf("detener", "hola")).map { it.action })
        }
    }

    @Test
    fun tenThousandTextsCheckedInOneCall() {
        val out = checkTexts(List(10_000) { "Your appointment is tomorrow at 9." })
        assertEquals(10_000, out.size)
        assertEquals("ok", out.last().verdict)
    }

    @Test
    fun s1S2CheckRecipientListsEveryMissingItem() {
        val a = Json.obj(Json.parse(checkRecipient("""{"kind": "contact", "notify": "sms"}""")))
        assertEquals(false, a["ok"])
        assertEquals(
            listOf("missing_first_name", "missing_last_name", "missing_cell_phone"),
            Json.arr(a["missing"]).map { Json.obj(it)["code"] },
        )
    }
}
