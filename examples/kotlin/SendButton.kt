// An Android-style compose screen's send button, as the plain JVM class
// behind it (no Android SDK): a ViewModel holding the screen state in a
// StateFlow. Each edit of the recipient or the text asks practicetext's
// canSend (SPEC R6, P1-P7, C4) off the main thread; the button is enabled
// only when the text may go out, and otherwise the screen lists every
// reason (code and sentence). In Compose:
//
//     val s by vm.state.collectAsState()
//     Button(onClick = vm::send, enabled = s.enabled) { Text("Send") }
//     s.reasons.forEach { Text(it.message, color = MaterialTheme.colorScheme.error) }
//
// Run: `make kotlin-test` (it runs this after the suite). Exits 1 if the
// library answers differently than the screen expects.
package dev.practicetext.examples

import dev.practicetext.ffi.EmailAlert
import dev.practicetext.ffi.HostTransport
import dev.practicetext.ffi.OutboundSms
import dev.practicetext.ffi.Practice
import dev.practicetext.ffi.PracticetextException
import dev.practicetext.ffi.sampleDirectory
import dev.practicetext.ffi.test.Json
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlin.system.exitProcess

/** One reason the button is grayed out. */
data class Reason(val code: String, val message: String)

/** What the screen draws. */
data class SendButtonState(
    val to: String = "",
    val body: String = "",
    val enabled: Boolean = false,
    val reasons: List<Reason> = emptyList(),
    val charactersLeft: Int? = null,
    val lastSent: String? = null,
)

/**
 * The compose screen's ViewModel. The JSON here is read with a tiny reader
 * (an app would use kotlinx.serialization or Moshi).
 */
class SendButtonViewModel(
    private val practice: Practice,
    private val organization: String,
    private val user: String,
) {
    private val _state = MutableStateFlow(SendButtonState())
    val state: StateFlow<SendButtonState> = _state

    suspend fun onRecipientChanged(to: String) = refresh(_state.value.copy(to = to))

    suspend fun onBodyChanged(body: String) = refresh(_state.value.copy(body = body))

    /** The button's onClick: sends only what canSend allowed. */
    suspend fun send() {
        val s = _state.value
        if (!s.enabled) return
        val out = withContext(Dispatchers.IO) { practice.send(request(s)) }
        val delivered = Json.obj(Json.obj(Json.arr(Json.parse(out)).single())["delivered"])
        _state.value = s.copy(body = "", enabled = false, lastSent = delivered["provider_id"] as String?)
    }

    private suspend fun refresh(next: SendButtonState) {
        if (next.to.isBlank() || next.body.isBlank()) {
            _state.value = next.copy(enabled = false, reasons = emptyList(), charactersLeft = null)
            return
        }
        // A library call can touch the store: never on the main thread.
        val answer = try {
            withContext(Dispatchers.IO) { practice.canSend(request(next)) }
        } catch (e: PracticetextException.Input) {
            // A request the library cannot read: show its code, keep the button off.
            _state.value = next.copy(enabled = false, reasons = listOf(Reason(e.code, e.detail)))
            return
        }
        val check = Json.obj(Json.arr(Json.parse(answer)).single())
        val reasons = Json.arr(check["refusals"]).map {
            val r = Json.obj(it)
            Reason(r["code"] as String, r["message"] as String)
        }
        val left = (check["segments"] as Map<*, *>?)?.get("remaining") as Long?
        _state.value = next.copy(enabled = check["allowed"] == true, reasons = reasons, charactersLeft = left?.toInt())
    }

    private fun request(s: SendButtonState) = Json.write(
        mapOf(
            "organization" to organization,
            "user" to user,
            "to" to listOf(mapOf("typed" to s.to)),
            "body" to s.body,
        ),
    )
}

/** The host's SMS provider; here it records. */
class Provider : HostTransport {
    val sent = mutableListOf<OutboundSms>()
    override fun sendSms(sms: OutboundSms): String {
        sent.add(sms)
        return "SM${sent.size}"
    }
    override fun sendEmail(email: EmailAlert) {}
}

fun expect(ok: Boolean, what: String) {
    if (!ok) {
        System.err.println("FAILED: $what")
        exitProcess(1)
    }
}

fun main() = runBlocking {
    val provider = Provider()
    Practice("memory", null, provider).use { practice ->
        practice.putDirectory(sampleDirectory())
        val vm = SendButtonViewModel(practice, "happy-paws", "bob")

        vm.onRecipientChanged("(416) 253-0000")
        expect(!vm.state.value.enabled, "no text yet: the button is off")
        vm.onBodyChanged("Rex is ready for pickup")
        expect(vm.state.value.enabled, "a plain text may go out: ${vm.state.value.reasons}")
        expect(vm.state.value.charactersLeft == 137, "characters left: ${vm.state.value.charactersLeft}")
        println("\"${vm.state.value.body}\": button enabled, ${vm.state.value.charactersLeft} characters left")

        vm.onBodyChanged("Book again: bit.ly/rex")
        expect(!vm.state.value.enabled, "a shortened link grays the button out")
        expect(vm.state.value.reasons.map { it.code } == listOf("content_blocked"), "${vm.state.value.reasons}")
        println("\"${vm.state.value.body}\": button off: ${vm.state.value.reasons.single().message}")

        vm.onBodyChanged("Rex is ready for pickup")
        vm.send()
        expect(provider.sent.single().to == "+14162530000", "the text went out once, in E.164")
        expect(vm.state.value.lastSent == "SM1" && !vm.state.value.enabled, "sent; the field is cleared")
        println("sent as ${vm.state.value.lastSent}")

        practice.handleInbound("""{"from": "+14162530000", "to": "+16502530002", "body": "STOP"}""")
        vm.onBodyChanged("One more thing")
        expect(vm.state.value.reasons.map { it.code } == listOf("recipient_opted_out"), "${vm.state.value.reasons}")
        println("after STOP: button off: ${vm.state.value.reasons.single().message}")

        vm.onRecipientChanged("+44 20 7946 0958")
        expect(!vm.state.value.enabled && vm.state.value.reasons.isNotEmpty(), "a UK number is refused")
        println("to a UK number: button off: ${vm.state.value.reasons.joinToString { it.code }}")
    }
    println("kotlin example: ok")
}
