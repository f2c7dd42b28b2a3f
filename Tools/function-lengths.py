#!/usr/bin/env python3
"""Function lengths in Swift sources: the distribution, and every function over a threshold.

A function is a `func`, `init`, `deinit`, `subscript`, a computed property (`var x: T {`), an
accessor block or a closure assigned to a `let`/`var` (`let f = { ... }`). Its length is the
number of lines from its declaration to its closing brace, both included (a nested function
counts in its parent too). Braces inside string literals (plain, multi-line, raw, with
interpolations) and comments (line, nested block) are ignored.

    Tools/function-lengths.py [--threshold 60] [--module OptionROM ...] [--exclude PATH ...] [PATH ...]

PATH defaults to Sources. `--module` keeps files under Sources/MODULE; `--exclude` drops files
whose path contains the string. Exit status 0 always: this measures, it does not judge.
"""
import argparse
import os
import re
import sys


def blank_strings_and_comments(src):
    """The source with the contents of string literals and comments replaced by spaces (newlines
    kept, so line numbers hold); code inside string interpolations is kept."""
    out = list(src)
    n = len(src)
    i = 0
    # A stack of contexts: ('code', paren_depth) inside an interpolation, or ('str', hashes, multiline).
    stack = [('code', 0)]

    def blank(a, b):
        for k in range(a, b):
            if out[k] != '\n':
                out[k] = ' '

    while i < n:
        top = stack[-1]
        c = src[i]
        if top[0] == 'code':
            if src.startswith('//', i):
                j = src.find('\n', i)
                j = n if j < 0 else j
                blank(i, j)
                i = j
                continue
            if src.startswith('/*', i):
                depth, j = 1, i + 2
                while j < n and depth:
                    if src.startswith('/*', j):
                        depth, j = depth + 1, j + 2
                    elif src.startswith('*/', j):
                        depth, j = depth - 1, j + 2
                    else:
                        j += 1
                blank(i, j)
                i = j
                continue
            m = re.match(r'(#*)("""|")', src[i:i + 64])
            if m and (m.group(1) or c == '"'):
                hashes = len(m.group(1))
                stack.append(('str', hashes, m.group(2) == '"""'))
                i += m.end()
                continue
            if c == '(' and len(stack) > 1:
                stack[-1] = ('code', top[1] + 1)
            elif c == ')' and len(stack) > 1:
                if top[1] == 0:
                    stack.pop()          # the end of an interpolation: back in the string
                    i += 1
                    continue
                stack[-1] = ('code', top[1] - 1)
            i += 1
            continue
        # Inside a string literal.
        _, hashes, multiline = top
        close = ('"""' if multiline else '"') + '#' * hashes
        escape = '\\' + '#' * hashes
        if src.startswith(close, i):
            stack.pop()
            i += len(close)
            continue
        if src.startswith(escape + '(', i):
            blank(i, i + len(escape) + 1)
            stack.append(('code', 0))
            i += len(escape) + 1
            continue
        if src.startswith(escape, i):
            blank(i, min(n, i + len(escape) + 1))
            i += len(escape) + 1
            continue
        if c == '\n' and not multiline:
            stack.pop()                  # an unterminated literal: do not swallow the file
            i += 1
            continue
        if c != '\n':
            out[i] = ' '
        i += 1
    return ''.join(out)


DECL = re.compile(
    r'(?<![\w.])(?:'
    r'(?P<func>func)\s+(?P<fname>[A-Za-z_]\w*|[^\s\w(]+)'
    r'|(?P<init>init)[?!]?\s*[(<]'
    r'|(?P<deinit>deinit)\s*\{'
    r'|(?P<sub>subscript)\s*[(<]'
    r'|(?P<var>var|let)\s+(?P<vname>\w+)\s*(?::[^={\n]+)?(?P<eq>=\s*)?\{'
    r')')
CONTINUES = re.compile(r'\s*(->|throws|rethrows|async|where|\{|:|&|,)')


def body_start(code, at):
    """The offset of the `{` opening the body of the declaration at `at`, or None (a protocol
    requirement, a declaration without a body)."""
    stack = []                           # open ( [ and generic <
    i = at
    n = len(code)
    while i < n:
        c = code[i]
        depth = len(stack)
        if c in '([' or (c == '<' and (code[i - 1].isalnum() or code[i - 1] == '_') and code[i + 1:i + 2] not in ('<', '=')):
            stack.append(c)
        elif c in ')]' and stack:
            while stack and stack.pop() == '<':
                pass                     # a `<` that was a comparison after all
        elif c == '>' and stack and stack[-1] == '<' and code[i - 1] != '-':
            stack.pop()
        elif c == '{' and depth == 0:
            return i
        elif c == '}' and depth == 0:
            return None
        elif c == '\n' and depth == 0:
            if not CONTINUES.match(code, i + 1):
                return None
        elif c == '=' and depth == 0 and code[i + 1:i + 2] != '=' and code[i - 1] not in '=!<>':
            return None                  # a default value or stored property, not a body
        i += 1
    return None


def matching_brace(code, at):
    depth = 0
    for i in range(at, len(code)):
        if code[i] == '{':
            depth += 1
        elif code[i] == '}':
            depth -= 1
            if depth == 0:
                return i
    return None


def functions(path):
    src = open(path, encoding='utf-8', errors='replace').read()
    code = blank_strings_and_comments(src)
    line_of = []
    ln = 1
    for ch in code:
        line_of.append(ln)
        if ch == '\n':
            ln += 1
    found = []
    for m in DECL.finditer(code):
        if m.group('var'):
            start = m.end() - 1
            name = m.group('vname')
        elif m.group('deinit'):
            start = m.end() - 1
            name = 'deinit'
        else:
            # From the parameter list's opening parenthesis (the pattern consumed it for init/subscript).
            start = body_start(code, m.end() if m.group('func') else m.end() - 1)
            name = m.group('fname') or ('init' if m.group('init') else 'subscript')
        if start is None:
            continue
        end = matching_brace(code, start)
        if end is None:
            continue
        found.append((line_of[end] - line_of[m.start()] + 1, path, line_of[m.start()], name))
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('paths', nargs='*', default=['Sources'])
    ap.add_argument('--threshold', type=int, default=60)
    ap.add_argument('--module', action='append', default=[])
    ap.add_argument('--exclude', action='append', default=[])
    a = ap.parse_args()
    files = []
    for p in a.paths:
        if os.path.isfile(p):
            files.append(p)
            continue
        for root, _, names in os.walk(p):
            files += [os.path.join(root, f) for f in names if f.endswith('.swift')]
    if a.module:
        files = [f for f in files if any(('/' + m + '/') in f for m in a.module)]
    files = sorted(f for f in files if not any(x in f for x in a.exclude))
    found = [f for path in files for f in functions(path)]
    lengths = sorted(f[0] for f in found)
    if not lengths:
        print('no functions found')
        return
    buckets = [(1, 20), (21, 40), (41, 60), (61, 80), (81, 100), (101, 10**9)]
    print(f'{len(lengths)} functions in {len(files)} files; median {lengths[len(lengths) // 2]}, '
          f'90th percentile {lengths[int(len(lengths) * 0.9)]}, max {lengths[-1]} lines')
    for lo, hi in buckets:
        k = sum(lo <= x <= hi for x in lengths)
        label = f'{lo}-{hi}' if hi < 10**9 else f'>{lo - 1}'
        print(f'  {label:>8}: {k}')
    over = sorted((f for f in found if f[0] > a.threshold), key=lambda f: (-f[0], f[1], f[2]))
    print(f'{len(over)} over {a.threshold} lines:')
    for length, path, line, name in over:
        print(f'  {length:4}  {path}:{line}  {name}')


if __name__ == '__main__':
    main()
