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

func TestExtractDecoded(t *testing.T) {
	t.Parallel()
	latin1 := "<html><head><meta charset=\"iso-8859-1\"></head><body><p>Caf\xe9 cr\xe8me</p></body></html>"
	if got := ExtractDecoded(strings.NewReader(latin1), "text/html", 1<<20); got != "Café crème" {
		t.Errorf("meta charset: %q", got)
	}
	win := "<p>\x93quoted\x94</p>"
	if got := ExtractDecoded(strings.NewReader(win), "text/html; charset=windows-1252", 1<<20); got != "“quoted”" {
		t.Errorf("header charset: %q", got)
	}
	if got := ExtractDecoded(strings.NewReader("<p>naïve</p>"), "text/html", 1<<20); got != "naïve" {
		t.Errorf("utf-8: %q", got)
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
