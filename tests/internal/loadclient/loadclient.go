// Package loadclient is the HTTP client of the load generators: light
// enough that, on a machine it shares with the servers it drives, the
// servers are what is measured.
package loadclient

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
)

// Conn is a minimal HTTP/1.1 keep-alive client: one request at a time,
// bodies framed by Content-Length. It costs far less CPU than net/http's
// client, so on a shared 2-core machine the servers are what is measured.
type Conn struct {
	c    net.Conn
	r    *bufio.Reader
	addr string
	req  []byte
	body []byte
}

// Dial connects to addr (host:port).
func Dial(addr string) (*Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Conn{c: c, r: bufio.NewReaderSize(c, 64<<10), addr: addr}, nil
}

// Close closes the connection.
func (c *Conn) Close() { c.c.Close() }

// Post sends one JSON request and reads the response; it returns the
// status and the body (valid until the next call).
func (c *Conn) Post(path string, body []byte) (int, []byte, error) {
	c.req = c.req[:0]
	c.req = append(c.req, "POST "...)
	c.req = append(c.req, path...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, c.addr...)
	c.req = append(c.req, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	c.req = strconv.AppendInt(c.req, int64(len(body)), 10)
	c.req = append(c.req, "\r\n\r\n"...)
	c.req = append(c.req, body...)
	if _, err := c.c.Write(c.req); err != nil {
		return 0, nil, err
	}
	status, length := 0, -1
	for first := true; ; first = false {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if first {
			if len(line) < 12 {
				return 0, nil, fmt.Errorf("bad status line %q", line)
			}
			status, _ = strconv.Atoi(string(line[9:12]))
			continue
		}
		if len(line) == 0 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	if length < 0 {
		return status, nil, fmt.Errorf("response without Content-Length")
	}
	if cap(c.body) < length {
		c.body = make([]byte, length)
	}
	c.body = c.body[:length]
	_, err := io.ReadFull(c.r, c.body)
	return status, c.body, err
}
