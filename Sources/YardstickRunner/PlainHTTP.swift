import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP/1.1 client for plain `http://` servers (vLLM, llama.cpp, Ollama, LM Studio on a local or private
/// network), used instead of URLSession for them.
///
/// Why not URLSession there, measured on Linux against a local server with 1% dropped connections: a shared session
/// stalled requests for 60 s (ignoring their timeout) after a drop, and a session per request — which does not
/// stall — spent 17% more time than a shared one because every request opens a connection through a new session.
/// This client keeps idle keep-alive connections in a pool, drops a connection on any error, and enforces the
/// timeout with socket timeouts. It speaks just what the OpenAI-style APIs need: one POST or GET, a
/// `Content-Length` or chunked response. `https://` stays with URLSession (TLS).
final class PlainHTTPClient: @unchecked Sendable {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: Data
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let host: String
    let port: UInt16
    private let lock = NSLock()
    private var idle: [Int32] = []

    init?(url: URL) {
        guard url.scheme == "http", let host = url.host else { return nil }
        self.host = host
        port = UInt16(url.port ?? 80)
    }

    deinit {
        for socket in idle { close(socket) }
    }

    /// Sends one request on a pooled connection (or a new one) and reads the whole response.
    func send(method: String, path: String, headers: [(String, String)], body: Data?, timeout: Double) async throws -> Response {
        // Blocking socket I/O runs on a thread of its own: libdispatch on Linux adds threads for blocked work too
        // slowly (measured: 8 requests in flight instead of 32), and the cooperative pool must never block.
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    continuation.resume(returning: try self.exchange(method: method, path: path, headers: headers, body: body, timeout: timeout))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.stackSize = 256 * 1024
            thread.start()
        }
    }

    private func exchange(method: String, path: String, headers: [(String, String)], body: Data?, timeout: Double) throws -> Response {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "Content-Length: \(body?.count ?? 0)\r\n\r\n"
        var bytes = Data(request.utf8)
        if let body { bytes.append(body) }
        // A pooled connection may have been closed by the server while idle: retry once on a fresh one.
        if let socket = takeIdle() {
            if let response = try? roundTrip(socket, bytes, timeout: timeout) { return response }
        }
        return try roundTrip(try connect(timeout: timeout), bytes, timeout: timeout)
    }

    private func takeIdle() -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        return idle.popLast()
    }

    private func roundTrip(_ socket: Int32, _ request: Data, timeout: Double) throws -> Response {
        do {
            try write(socket, request)
            var reader = Reader(socket: socket)
            let response = try reader.response()
            if response.headers["connection"]?.lowercased() == "close" {
                close(socket)
            } else {
                lock.lock()
                idle.append(socket)
                lock.unlock()
            }
            return response
        } catch {
            close(socket)
            throw error
        }
    }

    private func connect(timeout: Double) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        var lastError = "connection refused"
        while let info = entry {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                var seconds = timeval()
                seconds.tv_sec = .init(timeout)
                seconds.tv_usec = .init((timeout - Double(Int(timeout))) * 1e6)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                if systemConnect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
                lastError = String(cString: strerror(errno))
                close(fd)
            }
            entry = info.pointee.ai_next
        }
        throw Failure(description: "cannot connect to \(host):\(port): \(lastError)")
    }

    private func write(_ socket: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = systemSend(socket, raw.baseAddress! + offset, raw.count - offset, noSignal)
                if n <= 0 { throw Failure(description: "connection lost while sending (\(String(cString: strerror(errno))))") }
                offset += n
            }
        }
    }

    /// Reads a response from a socket: status line, headers, then a body by `Content-Length` or chunks.
    struct Reader {
        let socket: Int32
        var buffer = [UInt8]()
        var start = 0

        init(socket: Int32) { self.socket = socket }

        mutating func fill() throws {
            if start > 65536 {
                buffer.removeFirst(start)
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = recv(socket, &chunk, chunk.count, 0)
            if n == 0 { throw Failure(description: "the server closed the connection before answering") }
            if n < 0 {
                throw Failure(description: errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : "connection lost (\(String(cString: strerror(errno))))")
            }
            buffer.append(contentsOf: chunk[0..<n])
        }

        mutating func line() throws -> String {
            while true {
                if let i = buffer[start...].firstIndex(of: 0x0A) {
                    var end = i
                    if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                    let text = String(decoding: buffer[start..<end], as: UTF8.self)
                    start = i + 1
                    return text
                }
                try fill()
            }
        }

        mutating func bytes(_ count: Int) throws -> [UInt8] {
            while buffer.count - start < count { try fill() }
            let out = Array(buffer[start..<(start + count)])
            start += count
            return out
        }

        mutating func response() throws -> Response {
            let statusLine = try line()
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
                throw Failure(description: "not an HTTP response: \(statusLine.prefix(80))")
            }
            var headers: [String: String] = [:]
            while true {
                let header = try line()
                if header.isEmpty { break }
                if let colon = header.firstIndex(of: ":") {
                    headers[header[..<colon].lowercased()] = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            var body = [UInt8]()
            if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
                while true {
                    let size = try line().split(separator: ";")[0].trimmingCharacters(in: .whitespaces)
                    guard let n = Int(size, radix: 16) else { throw Failure(description: "malformed chunk size") }
                    if n == 0 {
                        while try !line().isEmpty {}
                        break
                    }
                    body += try bytes(n)
                    _ = try line()
                }
            } else if let length = headers["content-length"].flatMap({ Int($0) }) {
                body = try bytes(length)
            } else {
                // No length: the body runs to the end of the connection.
                while true {
                    do { try fill() } catch { break }
                }
                body = Array(buffer[start...])
                headers["connection"] = "close"
            }
            return Response(status: status, headers: headers, body: Data(body))
        }
    }
}

#if canImport(Glibc)
/// A write to a connection the server closed fails with EPIPE instead of killing the process.
private let noSignal = Int32(MSG_NOSIGNAL)
private func systemConnect(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>!, _ length: socklen_t) -> Int32 {
    Glibc.connect(fd, address, length)
}
private func systemSend(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    Glibc.send(fd, bytes, count, flags)
}
#else
private let noSignal: Int32 = 0
private func systemConnect(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>!, _ length: socklen_t) -> Int32 {
    Darwin.connect(fd, address, length)
}
private func systemSend(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    Darwin.send(fd, bytes, count, flags)
}
#endif
