package htmltext

import (
	"strings"
	"testing"
)

func TestExtract(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"<p>A resource record.</p>", "A resource record."},
		{"<html><head><title>T</title><script>x=1</script><style>p{}</style></head><body><p>One  two</p><div>three<br>four</div></body></html>", "T\nOne two\nthree\nfour"},
		{"plain text", "plain text"},
		{"<p>broken <b>markup", "broken markup"},
		{"<noscript>hidden</noscript><template>t</template><svg><text>s</text></svg>shown", "shown"},
		{"a&amp;b &lt;c&gt; &nbsp;d", "a&b <c> d"},
		{"", ""},
	}
	for _, c := range cases {
		if got := Extract(strings.NewReader(c.in), 1<<20); got != c.want {
			t.Errorf("Extract(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Extract(strings.NewReader("<p>"+strings.Repeat("word ", 1000)+"</p>"), 100); len(got) > 100 {
		t.Errorf("Extract ignored the byte limit: %d bytes", len(got))
	}
}

func FuzzExtract(f *testing.F) {
	f.Add("<p>A <b>b</b></p><script>x</script>")
	f.Add("<html><body>\u00e9<br/>x")
	f.Fuzz(func(t *testing.T, s string) {
		got := Extract(strings.NewReader(s), 4096)
		if len(got) > 4096+4 {
			t.Fatalf("%d bytes, over the limit", len(got))
		}
	})
}
