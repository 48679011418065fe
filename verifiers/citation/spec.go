package citation

import (
	"encoding/json"
	"strings"

	"github.com/referee/referee/verifiers"
)

// Version is the scoring version; it changes whenever scoring changes.
// The spec's version adds the server's default mode and the snapshot id
// (see specVersion), because both change scores without changing a
// request, and the version is part of every cache key.
const Version = "2"

// specVersion is Version+"+"+mode, then "."+the snapshot id's hex digits
// when a snapshot is open: "2+snapshot.85c829cb4357f423".
func specVersion(mode, snapshotID string) string {
	v := Version + "+" + mode
	if snapshotID != "" {
		v += "." + strings.TrimPrefix(snapshotID, "sha256:")
	}
	return v
}

const referenceSchema = `{
  "type": ["object", "null"],
  "properties": {
    "required": {"type": "array", "items": {"type": "string"}, "description": "sources the answer must cite: a URL (one page) or a host (the host and its subdomains)"},
    "forbidden": {"type": "array", "items": {"type": "string"}, "description": "hosts or URLs the answer must not cite; citing one scores 0"},
    "min_citations": {"type": "integer", "minimum": 0, "description": "fewer distinct pages cited in support of a claim scale the score down proportionally"}
  },
  "additionalProperties": false
}`

const paramsSchema = `{
  "type": "object",
  "properties": {
    "mode": {"enum": ["snapshot", "live", "snapshot_then_live"], "description": "where pages come from after the browse log; default is the server's REFEREE_CITATION_MODE (snapshot)"},
    "visited": {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"url": {"type": "string"}, "status": {"type": "integer"}, "final_url": {"type": "string"}, "text": {"type": "string"}}, "required": ["url"], "additionalProperties": false}]}, "description": "the rollout's browse log: pages the agent opened, optionally with status and text"},
    "require_visited": {"type": "boolean", "default": false, "description": "a cited page missing from visited is unsupported"},
    "claim_threshold": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 0.75, "description": "share of a claim's content words that must appear near its rarest word"},
    "window": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 30, "description": "words on each side of the rarest word searched for the claim"},
    "max_per_sentence": {"type": "integer", "minimum": 1, "default": 3, "description": "citations per sentence above this count are penalized"},
    "check_support": {"type": "boolean", "default": true, "description": "false skips support checks (supported is null)"},
    "missing_is_broken": {"type": "boolean", "default": false, "description": "a URL missing from the snapshot counts as broken (fabricated) instead of unknown"},
    "weights": {"type": "object", "properties": {
      "reachable": {"type": "number", "minimum": 0, "maximum": 10, "default": 0.3},
      "supported": {"type": "number", "minimum": 0, "maximum": 10, "default": 0.5},
      "required": {"type": "number", "minimum": 0, "maximum": 10, "default": 0.2},
      "fabricated": {"type": "number", "minimum": 0, "maximum": 10, "default": 0.5},
      "duplicate": {"type": "number", "minimum": 0, "maximum": 10, "default": 0.2},
      "overcited": {"type": "number", "minimum": 0, "maximum": 10, "default": 0.2}
    }, "additionalProperties": false}
  },
  "additionalProperties": false
}`

func spec(mode, snapshotID string) verifiers.Spec {
	return verifiers.Spec{
		Name:    "citation",
		Version: specVersion(mode, snapshotID),
		Description: "Citations of a search agent's answer are reachable and support what the answer says. " +
			"Citations are markdown links, footnotes, numbered markers with a sources list, and bare URLs; " +
			"pages come from params.visited, then the local snapshot, then the live web when mode allows (server default mode: " + mode + "). " +
			"Score = (0.3*reachable + 0.5*supported + 0.2*required_recall)/(weights used) - 0.5*fabricated - 0.2*duplicate - 0.2*overcited, clamped to [0,1]; weights are params.",
		ReferenceSchema: json.RawMessage(referenceSchema),
		ParamsSchema:    json.RawMessage(paramsSchema),
		Examples: []verifiers.Example{
			{
				Name:     "supported-quote-from-browse-log",
				Response: `The Eiffel Tower "was the tallest man-made structure in the world" until 1930 ([Tour Eiffel](https://www.toureiffel.paris/en/the-monument/key-figures)).`,
				Params:   json.RawMessage(`{"visited":[{"url":"https://www.toureiffel.paris/en/the-monument/key-figures","status":200,"text":"At 324 metres, the tower was the tallest man-made structure in the world until 1930."}]}`),
				Score:    1,
			},
			{
				Name:     "no-citations",
				Response: "Paris is the capital of France.",
				Score:    0,
			},
		},
	}
}
