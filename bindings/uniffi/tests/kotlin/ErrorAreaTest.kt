package dev.practicetext.ffi.test

import dev.practicetext.ffi.Checker
import dev.practicetext.ffi.HostClock
import dev.practicetext.ffi.HostFailure
import dev.practicetext.ffi.Practice
import dev.practicetext.ffi.PracticetextException
import dev.practicetext.ffi.parsePhone
import dev.practicetext.ffi.replayScenario
import dev.practicetext.ffi.sampleDirectory
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/**
 * Every error area of the library is its own PracticetextException
 * subclass, and each throws with the core's code.
 */
class ErrorAreaTest {
    private val org = "happy-paws"

    private fun practice(clock: HostClock? = null) =
        Practice("memory", clock, null).also { it.putDirectory(sampleDirectory()) }

    private fun expect(cls: Class<out PracticetextException>, code: String, call: () -> Unit) {
        val e = try {
            call()
            null
        } catch (e: PracticetextException) {
            e
        }
        assertEquals(cls, e?.javaClass, code)
        assertEquals(code, (e as PracticetextException).code, code)
    }

    private val PracticetextException.code: String
        get() = when (this) {
            is PracticetextException.Phone -> code
            is PracticetextException.Email -> code
            is PracticetextException.Directory -> code
            is PracticetextException.Hours -> code
            is PracticetextException.Engine -> code
            is PracticetextException.Scenario -> code
            is PracticetextException.Store -> code
            is PracticetextException.Webhook -> code
            is PracticetextException.Secure -> code
            is PracticetextException.Text -> code
            is PracticetextException.Inbox -> code
            is PracticetextException.Broadcast -> code
            is PracticetextException.Input -> code
            is PracticetextException.Host -> code
        }

    @Test
    fun eachAreaThrowsItsClassWithTheCoreCode() {
        val staffAlert = """{"request": {"organization": "$org", "sender": "bob", "range": {"preset": "rest_of_today"}, "message": "x"}}"""
        val dup = sampleDirectory().replace("\"username\":\"bob\"", "\"username\":\"alice\"")
        practice().use { p ->
            expect(PracticetextException.Phone::class.java, "too_short") { parsePhone("911") }
            expect(PracticetextException.Text::class.java, "invalid_policy") { Checker("""{"cannabis_terms": ["!"]}""") }
            expect(PracticetextException.Store::class.java, "invalid_store_spec") { Practice("mysql://x") }
            expect(PracticetextException.Input::class.java, "bad_input") { p.handleInbound("{") }
            expect(PracticetextException.Directory::class.java, "duplicate_user") { p.putDirectory(dup) }
            expect(PracticetextException.Engine::class.java, "unknown_number") {
                p.handleInbound("""{"from": "+14162530000", "to": "+16502539999", "body": "hi"}""")
            }
            expect(PracticetextException.Inbox::class.java, "conversation_not_found") {
                p.messages("""{"organization": "$org", "conversation": "nope"}""")
            }
            expect(PracticetextException.Scenario::class.java, "invalid_scenario") {
                replayScenario("""{"name": "x", "directory": "nowhere", "events": []}""")
            }
            expect(PracticetextException.Broadcast::class.java, "broadcast_refused") { p.broadcastPreflight(staffAlert) }
            expect(PracticetextException.Broadcast::class.java, "broadcast_not_found") {
                p.broadcastReport("""{"organization": "$org", "broadcast": "nope"}""")
            }
        }
        val failing = object : HostClock {
            override fun nowMillis(): Long = throw HostFailure.Unavailable("clock unplugged")
        }
        practice(failing).use { p ->
            expect(PracticetextException.Host::class.java, "host_clock_failed") {
                p.login("""{"organization": "$org", "user": "bob"}""")
            }
        }
    }
}
