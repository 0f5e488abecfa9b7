import Foundation
import Testing
@testable import YardstickRunner
#if canImport(Glibc)
import Glibc
#endif

@Suite struct PlainHTTPTests {
    /// Reads `raw` through the client's response reader, over a real socket pair.
    func read(_ raw: String) throws -> PlainHTTPClient.Response {
        var fds: [Int32] = [0, 0]
        #if canImport(Glibc)
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        #else
        #expect(socketpair(AF_UNIX, SOCK_STREAM, 0, &fds) == 0)
        #endif
        defer { close(fds[0]) }
        let bytes = Array(raw.utf8)
        #expect(bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } == bytes.count)
        close(fds[1])
        var reader = PlainHTTPClient.Reader(socket: fds[0])
        return try reader.response()
    }

    @Test func contentLengthAndChunkedBodiesAreReadWhole() throws {
        let plain = try read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nRetry-After: 3\r\n\r\nhello")
        #expect(plain.status == 200 && String(decoding: plain.body, as: UTF8.self) == "hello" && plain.headers["retry-after"] == "3")
        let chunked = try read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;ext=1\r\n:1}\r\n0\r\n\r\n")
        #expect(String(decoding: chunked.body, as: UTF8.self) == "{\"a\":1}")
        let unsized = try read("HTTP/1.0 429 Too Many Requests\r\n\r\nslow down")
        #expect(unsized.status == 429 && String(decoding: unsized.body, as: UTF8.self) == "slow down")
        #expect(unsized.headers["connection"] == "close", "a body that runs to the end closes the connection")
    }

    @Test func aConnectionClosedBeforeTheAnswerIsAnError() throws {
        #expect(throws: PlainHTTPClient.Failure.self) { try read("") }
        #expect(throws: PlainHTTPClient.Failure.self) { try read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort") }
        #expect(throws: PlainHTTPClient.Failure.self) { try read("garbage\r\n\r\n") }
    }
}
