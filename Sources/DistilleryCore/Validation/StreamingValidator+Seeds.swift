extension StreamingValidator {
    /// Seeds rules for one non-blank line: `{"input": "<non-empty, non-whitespace string ≤ 64 KiB>"}`.
    mutating func validateSeedLine<Sink: ValidationSink>(_ bytes: UnsafeRawBufferPointer, lineNumber line: Int, sink: inout Sink) {
        scanner.begin(bytes)
        var input: StringToken?
        var inputKind: JSONValueKind?
        var hasUnknownKey = false
        var unknownKeyExample: String?
        var isObject = true
        do throws(ScanFailure) {
            scanner.skipWhitespace()
            if scanner.peek != UInt8(ascii: "{") {
                let kind = try scanner.skipValue(depth: 1)
                try scanner.expectEndOfLine()
                addError(line: line, field: "", code: "not_an_object", "each line must be a JSON object, found \(kind.phrase)")
                isObject = false
            } else {
                if try scanner.openObject(depth: 1) {
                    repeat {
                        let (key, isNew) = try scanner.scanKey(depth: 1)
                        if !isNew {
                            let name = scanner.decodedString(key)
                            addError(line: line, field: name, code: "duplicate_key", "duplicate key \"\(name)\" in the line's object")
                        }
                        if scanner.tokenEquals(key, "input") {
                            if scanner.peek == UInt8(ascii: "\"") {
                                input = try scanner.scanString()
                                inputKind = .string
                            } else {
                                input = nil
                                inputKind = try skipChecked(depth: 2, field: { _ in "input" }, line: line)
                            }
                        } else {
                            hasUnknownKey = true
                            if unknownKeyExample == nil && unknownKeys.example == nil {
                                unknownKeyExample = scanner.decodedString(key)
                            }
                            try skipChecked(depth: 2, field: { $0.decodedString(key) }, line: line)
                        }
                    } while try scanner.nextMember()
                }
                try scanner.expectEndOfLine()
            }
        } catch {
            reportSyntax(error, line: line)
            rejectLine(sink: &sink)
            return
        }

        if isObject {
            if let inputKind {
                if let input, inputKind == .string {
                    if input.isEmpty {
                        addError(line: line, field: "input", code: "empty_input", "input is an empty string")
                    } else if input.decodedByteCount > options.maxContentBytes {
                        addError(line: line, field: "input", code: "content_too_large",
                                 "input is \(input.decodedByteCount) bytes; the limit is \(Self.describeLimit(options.maxContentBytes))")
                    } else if !input.hasNonWhitespace {
                        addError(line: line, field: "input", code: "whitespace_input",
                                 "input contains only whitespace; a teacher cannot answer a blank prompt")
                    }
                } else {
                    addError(line: line, field: "input", code: "input_not_string", "input must be a string, found \(inputKind.phrase)")
                }
            } else {
                addError(line: line, field: "input", code: "missing_input", "the line has no \"input\" string")
            }
        }
        guard lineErrors.isEmpty, let input else {
            rejectLine(sink: &sink)
            return
        }
        if hasUnknownKey {
            unknownKeys.note(line: line, keep: options.keptWarningLines)
            if unknownKeys.example == nil { unknownKeys.example = unknownKeyExample }
        }
        noteUserContent(hash: scanner.hashDecoded(input), line: line)
        if options.collectRows {
            normalized.removeAll(keepingCapacity: true)
            appendNormalized("{\"input\":")
            appendNormalized(scanner.rawBytes(input))
            appendNormalized("}")
        }
        acceptRow(line: line, tokens: input.estimatedTokens + TokenEstimator.perMessageOverhead, messages: 1, sink: &sink)
    }
}

/// Checks the skill prompt that accompanies a seeds dataset; returns an error message, or nil when valid.
public func validateSkillPrompt(_ prompt: String, maxBytes: Int = 65_536) -> String? {
    if prompt.unicodeScalars.allSatisfy({ StrictJSONScanner.isWhitespace($0.value) }) {
        return "The skill prompt is required: describe the persona, voice and format the teacher should follow."
    }
    let bytes = prompt.utf8.count
    if bytes > maxBytes {
        return "The skill prompt is \(bytes) bytes; the limit is \(maxBytes) bytes (64 KiB)."
    }
    return nil
}
