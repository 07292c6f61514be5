import DistilleryCore
import DistilleryResources
import Foundation
import Mustache

/// Turns a view model into a response: HTML through the embedded Mustache templates (which escape
/// every `{{value}}`; the templates use no triple braces), or JSON through Codable.
struct Renderer: Sendable {
    private let library: MustacheLibrary

    /// Parses every template once; a template that does not parse stops start-up, not a request.
    init() throws {
        var library = MustacheLibrary()
        for template in Template.allCases {
            try library.register(String(decoding: template.source, as: UTF8.self), named: template.rawValue)
        }
        self.library = library
    }

    func html(_ template: Template, _ model: Any, status: Int = 200) -> HTTPResponse {
        var headers = HTTPHeaders()
        // `init` registered every case, so the library always has it; were it ever not, the request
        // gets a plain 500 rather than taking the server down.
        guard let text = library.render(model, withTemplate: template.rawValue) else {
            headers.set("Content-Type", "text/plain; charset=utf-8")
            return HTTPResponse(status: 500, headers: headers, body: .bytes(Array("The page template \(template.rawValue) is missing.\n".utf8)))
        }
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
