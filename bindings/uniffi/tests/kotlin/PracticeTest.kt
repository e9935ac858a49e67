package dev.practicetext.ffi.test

import dev.practicetext.ffi.EmailAlert
import dev.practicetext.ffi.HostClock
import dev.practicetext.ffi.HostFailure
import dev.practicetext.ffi.HostTransport
import dev.practicetext.ffi.OutboundSms
import dev.practicetext.ffi.Practice
import dev.practicetext.ffi.PracticetextException
import dev.practicetext.ffi.sampleDirectory
import java.nio.file.Files
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * A practice over a store from Kotlin: the engine on the memory store (C1,
 * C4, C6, C7, V1-V10), the engine on SQLite, mass alerts (B1-B9), a Kotlin
 * transport and clock as foreign traits, calls made from Dispatchers.IO.
 */
class PracticeTest {
    private val org = "happy-paws"
    private val stop = """{"from": "+14162530000", "to": "+16502530001", "body": "STOP", "provider_id": "SM1"}"""
    private val send = """{"organization": "$org", "user": "bob", "to": [{"typed": "416-253-0000"}], "body": "Hi"}"""

    private fun practice(clock: HostClock? = null, transport: HostTransport? = null) =
        Practice("memory", clock, transport).also { it.putDirectory(sampleDirectory()) }

    private fun obj(json: String) = Json.obj(Json.parse(json))
    private fun arr(json: String) = Json.arr(Json.parse(json))

    @Test
    fun c1C4V10StopOptsOutConfirmsOnceAndARepeatChangesNothing() = practice().use { p ->
        val out = obj(p.handleInbound(stop))
        assertEquals("handled", out["outcome"])
        assertEquals("opt_out", Json.obj(Json.obj(out["decision"])["consent_change"])["action"])
        assertEquals(listOf("+14162530000"), Json.arr(obj(p.takeSent())["sms"]).map { Json.obj(it)["to"] })
        assertEquals("duplicate", obj(p.handleInbound(stop))["outcome"])
        assertTrue(Json.arr(obj(p.takeSent())["sms"]).isEmpty())
        assertEquals(true, obj(p.consent("""{"organization": "$org", "number": "416-253-0000"}"""))["opted_out"])
    }

    @Test
    fun c4ASendToAnOptedOutNumberIsRefused() = practice().use { p ->
        p.handleInbound(stop)
        val check = Json.obj(arr(p.canSend(send)).single())
        assertEquals(false, check["allowed"])
        assertEquals(listOf("recipient_opted_out"), Json.arr(check["refusals"]).map { Json.obj(it)["code"] })
    }

    @Test
    fun c6C7ABlockIsRecordedWithTheStaffMember() = practice().use { p ->
        p.setBlocked("""{"organization": "$org", "number": "+14162530000", "blocked": true, "by": "alice"}""")
        val change = Json.obj(arr(p.consentHistory("""{"organization": "$org"}""")).single())
        assertEquals(mapOf("kind" to "staff", "username" to "alice"), change["source"])
    }

    /** A provider that records what it sends. */
    class Provider : HostTransport {
        val sent = mutableListOf<OutboundSms>()
        override fun sendSms(sms: OutboundSms): String {
            sent.add(sms)
            return "SM${sent.size}"
        }
        override fun sendEmail(email: EmailAlert) {}
    }

    @Test
    fun r2ASendGoesOutThroughAKotlinTransport() {
        val provider = Provider()
        practice(transport = provider).use { p ->
            val out = Json.obj(arr(p.send(send)).single())
            assertEquals("SM1", Json.obj(out["delivered"])["provider_id"])
            assertEquals(listOf(OutboundSms(org, "+16502530002", "+14162530000", "Hi")), provider.sent)
        }
    }

    @Test
    fun transportRefusalsAndOutagesAreReportedPerRecipient() {
        val cases = listOf<Pair<HostTransport, String>>(
            object : HostTransport {
                override fun sendSms(sms: OutboundSms): String = throw HostFailure.Rejected(21610u, "unsubscribed recipient")
                override fun sendEmail(email: EmailAlert) {}
            } to "refused",
            object : HostTransport {
                override fun sendSms(sms: OutboundSms): String = throw IllegalStateException("socket closed")
                override fun sendEmail(email: EmailAlert) {}
            } to "could not be reached",
        )
        for ((transport, expect) in cases) {
            practice(transport = transport).use { p ->
                val delivered = Json.obj(Json.obj(arr(p.send(send)).single())["delivered"])
                assertTrue((delivered["error"] as String).contains(expect), delivered.toString())
                assertNull(delivered["provider_id"])
            }
        }
    }

    /** A clock the test sets, or that fails when told to. */
    class TestClock(var millis: Long) : HostClock {
        var fail = false
        override fun nowMillis(): Long {
            if (fail) throw HostFailure.Unavailable("clock unplugged")
            return millis
        }
    }

    @Test
    fun aKotlinClockSetsTheTimeAndAFailingOneThrowsHostClockFailed() {
        val clock = TestClock(java.time.Instant.parse("2026-03-04T05:06:07Z").toEpochMilli())
        practice(clock = clock).use { p ->
            val c = obj(p.startConversation("""{"organization": "$org", "our_number": "+16502530001", "outside_number": "+14162530000", "started_by": "alice"}"""))
            assertEquals("2026-03-04T05:06:07Z", c["started_at"])
            clock.fail = true
            val e = assertThrows(PracticetextException.Host::class.java) { p.login("""{"organization": "$org", "user": "alice"}""") }
            assertEquals("host_clock_failed", e.code)
            clock.fail = false
            clock.millis = Long.MAX_VALUE
            assertEquals("host_clock_failed", assertThrows(PracticetextException.Host::class.java) { p.login("""{"organization": "$org", "user": "alice"}""") }.code)
        }
    }

    @Test
    fun v1V3V5ConversationsFromKotlin() = practice().use { p ->
        val conv = obj(p.handleInbound("""{"from": "+14162530000", "to": "+16502530001", "body": "Hello"}"""))["conversation"] as String
        assertEquals(conv, Json.obj(arr(p.conversations("""{"organization": "$org", "status": "active"}""")).single())["id"])
        assertEquals("Hello", Json.obj(arr(p.messages("""{"organization": "$org", "conversation": "$conv"}""")).single())["body"])
        p.markRead("""{"organization": "$org", "user": "alice", "conversation": "$conv"}""")
        assertEquals(0L, obj(p.login("""{"organization": "$org", "user": "alice"}"""))["total"])
        val entry = obj(p.closeConversation("""{"organization": "$org", "conversation": "$conv", "by": "alice"}"""))
        assertEquals("closed", Json.obj(entry["conversation"])["status"])
        val e = assertThrows(PracticetextException.Inbox::class.java) {
            p.closeConversation("""{"organization": "$org", "conversation": "$conv", "by": "alice"}""")
        }
        assertEquals("conversation_closed", e.code)
    }

    @Test
    fun engineAndDirectoryErrorsKeepTheirArea() = practice().use { p ->
        val e = assertThrows(PracticetextException.Engine::class.java) {
            p.handleInbound("""{"from": "+14162530000", "to": "+16502539999", "body": "hi"}""")
        }
        assertEquals("unknown_number", e.code)
        val dup = sampleDirectory().replace("\"username\":\"bob\"", "\"username\":\"alice\"")
        assertEquals("duplicate_user", assertThrows(PracticetextException.Directory::class.java) { p.putDirectory(dup) }.code)
    }

    @Test
    fun c1SqliteRunsTheEngineAndKeepsEverything() {
        val path = Files.createTempDirectory("pt").resolve("practice.db")
        Practice("sqlite:$path").use {
            it.putDirectory(sampleDirectory())
            assertEquals("handled", obj(it.handleInbound(stop))["outcome"])
        }
        Practice("sqlite:$path").use { p ->
            assertEquals("sqlite", p.storeKind())
            val name = Json.obj(obj(p.directory("""{"organization": "$org"}"""))["organization"])["name"]
            assertEquals("Happy Paws Veterinary", name)
            assertEquals("duplicate", obj(p.handleInbound(stop))["outcome"])
            assertEquals(true, obj(p.consent("""{"organization": "$org", "number": "416-253-0000"}"""))["opted_out"])
        }
    }

    private fun alert(extra: String = "") = """{
        "request": {"organization": "$org", "sender": "alice",
            "range": {"preset": "custom", "start": "2026-11-23T15:00:00Z", "end": "2026-11-24T15:00:00Z"},
            "message": "The power is out; we will call you to rebook.", "pace": 60},
        "clients": [
            {"id": "c1", "first_name": "Ann", "last_name": "Lee", "cell_phone": "(416) 253-0001"},
            {"id": "c2", "first_name": "Cy", "last_name": "Opt", "cell_phone": "(416) 253-0000"}],
        "appointments": [
            {"id": "a1", "client": "c1", "starts_at": "2026-11-23T18:00:00Z"},
            {"id": "a2", "client": "c2", "starts_at": "2026-11-23T19:00:00Z"}]$extra}"""

    private fun confirm(token: String) = """, "confirm": "$token""""

    @Test
    fun b3B4B5B7BroadcastPreflightStartRunAndReportOnMemoryAndSqlite() {
        for (store in listOf("memory", "sqlite::memory:")) {
            val clock = TestClock(java.time.Instant.parse("2026-11-23T15:00:00Z").toEpochMilli())
            Practice(store, clock, null).use { p ->
                p.putDirectory(sampleDirectory())
                p.handleInbound(stop)
                p.takeSent()
                val plan = obj(p.broadcastPreflight(alert()))
                assertEquals(1L, Json.obj(plan["counts"])["recipients"], store)
                assertEquals(listOf("opted_out"), Json.arr(plan["excluded"]).map { Json.obj(Json.obj(it)["reason"])["code"] })
                val e = assertThrows(PracticetextException.Broadcast::class.java) {
                    p.broadcastStart(alert(confirm("not-the-token")))
                }
                assertEquals("confirmation_mismatch", e.code)
                val b = obj(p.broadcastStart(alert(confirm(plan["token"] as String))))
                val id = b["id"] as String
                val run = """{"organization": "$org", "broadcast": "$id"}"""
                val first = obj(p.broadcastRun(run))
                assertEquals(listOf("sent", "wait"), Json.arr(first["steps"]).map { Json.obj(it)["step"] })
                clock.millis = java.time.Instant.parse(first["wait_until"] as String).toEpochMilli()
                assertEquals(true, obj(p.broadcastRun(run))["done"])
                assertEquals(listOf("+14162530001"), Json.arr(obj(p.takeSent())["sms"]).map { Json.obj(it)["to"] })
                assertEquals(2, Json.arr(obj(p.broadcastReport(run))["rows"]).size)
                assertEquals(1, arr(p.broadcastActivity("""{"organization": "$org"}""")).size)
            }
        }
    }

    @Test
    fun b1BroadcastRefusalsAreBroadcastExceptions() = practice().use { p ->
        val staff = alert().replace("\"sender\": \"alice\"", "\"sender\": \"bob\"")
        val e = assertThrows(PracticetextException.Broadcast::class.java) { p.broadcastPreflight(staff) }
        assertEquals("broadcast_refused", e.code)
        assertTrue(e.reasons.any { it.code == "not_admin" }, e.reasons.toString())
        val n = assertThrows(PracticetextException.Broadcast::class.java) {
            p.broadcastRun("""{"organization": "$org", "broadcast": "nope"}""")
        }
        assertEquals("broadcast_not_found", n.code)
        assertTrue(n.reasons.isEmpty())
        assertTrue(n is PracticetextException)
    }

    @Test
    fun callsFromDispatchersIoRaceSafely() = runBlocking {
        practice().use { p ->
            val outcomes = (0 until 16).map { i ->
                async(Dispatchers.IO) {
                    obj(p.handleInbound(stop.replace("SM1", "SM$i")))["outcome"]
                }
            }.awaitAll()
            assertEquals(List(16) { "handled" }, outcomes)
            // C4: sixteen STOPs racing, exactly one confirmation.
            assertEquals(1, withContext(Dispatchers.IO) { Json.arr(obj(p.takeSent())["sms"]).size })
        }
    }
}
