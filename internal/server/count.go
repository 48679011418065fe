package server

// countItems counts the elements of the top-level "items" array of a
// batch body without decoding it, so an oversized batch is refused before
// it costs memory (decoding 2.8 million empty items took 460 MB). It
// reports ok=false when the body is not shaped like an object with an
// items array; the decoder then gives the precise error.
func countItems(body []byte) (n int, ok bool) {
	depth := 0
	inString, escaped := false, false
	keyStart := -1
	var lastKey []byte
	inItems := false
	nonEmpty := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if depth == 1 && keyStart >= 0 {
					lastKey = body[keyStart:i]
				}
				keyStart = -1
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			if inItems && depth == 2 {
				nonEmpty = true
			}
			if depth == 1 {
				keyStart = i + 1
			}
		case '{', '[':
			if inItems && depth == 2 {
				nonEmpty = true
			}
			depth++
			if c == '[' && depth == 2 && string(lastKey) == "items" {
				inItems, n, nonEmpty = true, 0, false
			}
		case '}', ']':
			depth--
			if inItems && depth == 1 {
				if nonEmpty {
					n++
				}
				return n, true
			}
		case ',':
			if inItems && depth == 2 {
				n++
			}
			if depth == 1 {
				lastKey = nil
			}
		case ' ', '\t', '\n', '\r', ':':
		default:
			if inItems && depth == 2 {
				nonEmpty = true
			}
		}
	}
	return 0, false
}
