import CharterBroker
import CharterModel
import Foundation
import NIOSSL

/// E-mail through the route's SMTP server: one mail per person, so each is a delivery of its own.
struct EmailSender: NotificationSender {
    let email: NotificationRoute.Email
    let credentials: CredentialResolver
    let addresses: OutboundAddressRules
    let timeoutSeconds: Double
    let tls: TLSConfiguration

    func send(_ notification: OutgoingNotification) async -> DeliveryOutcome {
        // The same check as a URL's: the server's name or address, and what the name resolves to.
        do throws(OutboundRefusal) {
            try await addresses.check(url: "http://\(email.host):\(email.port)")
        } catch {
            return .permanent("the SMTP server: not sent: \(error.description)")
        }
        var password: String?
        if let reference = email.password {
            do {
                password = try credentials.resolve(reference).revealed
            } catch {
                return .permanent("the SMTP password: \(error)")
            }
        }
        let client = SMTPClient(
            host: email.host, port: email.port, security: email.security, username: email.username,
            password: password, tls: tls)
        let message = SMTPClient.message(
            from: email.from, to: notification.addresses, subject: "[charter] " + notification.occurrence.title,
            body: notification.text, id: notification.deliveryID, date: notification.time)
        let from = email.from
        let secrets = password.map { [$0] } ?? []
        return await withDeliveryDeadline(timeoutSeconds, what: "the SMTP server") {
            do throws(SMTPClient.Failure) {
                try await client.send(from: from, to: notification.addresses, message: message)
                return .sent
            } catch {
                let reason = NotificationHTTP.hide(error.message, secrets)
                return error.permanent ? .permanent(reason) : .transient(reason)
            }
        }
    }
}
