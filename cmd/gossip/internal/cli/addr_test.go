package cli

import "testing"

func TestSplitHostPort(t *testing.T) {
	tests := []struct {
		in     string
		host   string
		port   int
		errMsg string
	}{
		{"127.0.0.1", "127.0.0.1", 0, ""},
		{"127.0.0.1:5070", "127.0.0.1", 5070, ""},
		{"sip.example.com", "sip.example.com", 0, ""},
		{"sip.example.com:5061", "sip.example.com", 5061, ""},
		{"[2001:db8::1]", "2001:db8::1", 0, ""},
		{"[2001:db8::1]:5080", "2001:db8::1", 5080, ""},
		{"2001:db8::1", "2001:db8::1", 0, ""},
		{"::1", "::1", 0, ""},
		{"", "", 0, "empty address"},
		{":5060", "", 0, "empty host"},
		{"host:", "", 0, `port "" is not a number between 1 and 65535`},
		{"host:0", "", 0, `port "0" is not a number between 1 and 65535`},
		{"host:65536", "", 0, `port "65536" is not a number between 1 and 65535`},
		{"host:http", "", 0, `port "http" is not a number between 1 and 65535`},
		{"[::1", "", 0, "missing ']' after IPv6 address"},
		{"[::1]x", "", 0, "unexpected text after ']'"},
		{"[]:5060", "", 0, "empty IPv6 address in brackets"},
		{"a[b]", "", 0, "brackets must enclose the whole IPv6 address"},
		{"a b", "", 0, "contains white space or control characters"},
		{"a\tb", "", 0, "contains white space or control characters"},
	}
	for _, tt := range tests {
		host, port, err := SplitHostPort(tt.in)
		if tt.errMsg != "" {
			if err == nil || err.Error() != tt.errMsg {
				t.Errorf("SplitHostPort(%q) error = %v, want %q", tt.in, err, tt.errMsg)
			}
			continue
		}
		if err != nil || host != tt.host || port != tt.port {
			t.Errorf("SplitHostPort(%q) = %q, %d, %v; want %q, %d", tt.in, host, port, err, tt.host, tt.port)
		}
	}
}
