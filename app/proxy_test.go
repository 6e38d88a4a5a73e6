package app_test

import (
	"io"
	"net"
	"net/url"
	"strconv"
	gosync "sync"
	"testing"

	"github.com/tallyhq/tally/sandbox"
	"github.com/tallyhq/tally/storage/storagetest"
)

func itoa(n int) string { return strconv.Itoa(n) }

func sandboxUser(id, email string) sandbox.SlackUser {
	return sandbox.SlackUser{ID: id, Name: email, RealName: email, Email: email, TZ: "Europe/Berlin", TZOffset: 3600}
}

// tcpProxy sits between tally and Postgres; freeze makes it stop forwarding
// (connections hang, new ones too), like a network partition.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     gosync.Mutex
	frozen bool
	thawed chan struct{}
}

func startTCPProxy(t *testing.T, baseURL string) *tcpProxy {
	t.Helper()
	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: u.Host, thawed: make(chan struct{})}
	close(p.thawed)
	t.Cleanup(func() { _ = ln.Close() })
	go p.serve()
	return p
}

// databaseURL creates a fresh database and returns its URL through the proxy.
func (p *tcpProxy) databaseURL(t *testing.T) string {
	u, err := url.Parse(storagetest.NewURL(t, false))
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.ln.Addr().String()
	return u.String()
}

func (p *tcpProxy) gate() chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.thawed
}

func (p *tcpProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.frozen {
		p.frozen = true
		p.thawed = make(chan struct{})
	}
}

func (p *tcpProxy) thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen {
		p.frozen = false
		close(p.thawed)
	}
}

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

func (p *tcpProxy) handle(c net.Conn) {
	defer func() { _ = c.Close() }()
	<-p.gate()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer func() { _ = up.Close() }()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32*1024)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				<-p.gate() // a frozen proxy holds data back
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				if err != io.EOF {
					_ = err
				}
				break
			}
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
}
