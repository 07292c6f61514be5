import DistilleryCore
import DistilleryResources
import Foundation
import Mustache

/// Turns a view model into a response: HTML through the embedded Mustache templates (which escape
/// every `{{value}}`; the templates use no triple braces), or JSON through Codable.
struct Renderer: Sendable {
    private let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        for (name, bytes) in EmbeddedResources.templates {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    func html(_ template: String, _ model: Any, status: Int = 200) -> HTTPResponse {
        guard let text = library.render(model, withTemplate: template) else {
            preconditionFailure("template \(template) is not embedded")
        }
        var headers = HTTPHeaders()
        headers.set("Content-Type", "text/html; charset=utf-8")
        return HTTPResponse(status: status, headers: headers, body: .bytes(Array(text.utf8)))
    }

    func json(_ value: some Encodable, status: Int = 200) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.set("Content-Type", "application/json; charset=utf-8")
        return HTTPResponse(status: status, headers: headers, body: .bytes(Self.encode(value)))
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own view models cannot fail: they hold only strings, numbers and arrays.
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }

    static func redirect(to location: String, status: Int = 303) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.set("Location", location)
        return HTTPResponse(status: status, headers: headers, body: .bytes([]))
    }
}
