#!/usr/bin/env python3
"""Hostile spreadsheets for scripts/bench_hostile.sh, and its HTTP client.

    bench_hostile.py make DIR                 write the suite into DIR, one file per case
    bench_hostile.py upload BASE_URL DIR USER PASSWORD
                                              sign in, upload each file to /county/upload while a
                                              thread polls /healthz; print one line per file

Only the standard library: the files are zip archives and XML written by hand, the .xls ones are
the LibreOffice fixture with one record patched.
"""

import base64
import http.cookiejar
import io
import os
import re
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
BASE_XLSX = os.path.join(FIXTURES, "nominations_rust_xlsxwriter.xlsx")
BASE_XLS = os.path.join(FIXTURES, "nominations_libreoffice.xls")
SHEET = "xl/worksheets/sheet1.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet_xml(rows, dimension="A1"):
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><dimension ref="{dimension}"/><sheetData>'
    return head.encode() + rows + b"</sheetData></worksheet>"


def inline(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def rewrite_xlsx(path, replace, extra_names=()):
    """The base workbook with parts replaced or added (bytes, or a callable writing to a stream)."""
    with zipfile.ZipFile(BASE_XLSX) as base, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in base.infolist():
            if item.filename in replace:
                continue
            out.writestr(item.filename, base.read(item.filename))
        for name, data in replace.items():
            if callable(data):
                with out.open(name, "w", force_zip64=True) as stream:
                    data(stream)
            else:
                out.writestr(name, data)
        for name in extra_names:
            out.writestr(name, b"x")


def spaces(n_mb):
    def write(stream):
        stream.write(sheet_xml(b"").replace(b"</sheetData>", b""))
        block = b" " * (1024 * 1024)
        for _ in range(n_mb):
            stream.write(block)
        stream.write(b"</sheetData></worksheet>")

    return write


def rows_of(make_row, count):
    def write(stream):
        stream.write(f'<?xml version="1.0"?><worksheet xmlns="{NS}"><dimension ref="A1:XFD1048576"/><sheetData>'.encode())
        chunk = []
        for r in range(1, count + 1):
            chunk.append(make_row(r))
            if len(chunk) == 10000:
                stream.write("".join(chunk).encode())
                chunk = []
        stream.write("".join(chunk).encode())
        stream.write(b"</sheetData></worksheet>")

    return write


def shared_strings(strings_writer):
    def write(stream):
        stream.write(f'<?xml version="1.0"?><sst xmlns="{NS}">'.encode())
        strings_writer(stream)
        stream.write(b"</sst>")

    return write


def lie_about_size(path, name, declared):
    """Rewrites the sizes recorded for `name` (local header and central directory) to `declared`."""
    data = bytearray(open(path, "rb").read())
    encoded = name.encode()
    for sig, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        pos = 0
        while True:
            pos = data.find(sig, pos)
            if pos < 0:
                break
            n = struct.unpack_from("<H", data, pos + name_len_at)[0]
            if bytes(data[pos + name_at : pos + name_at + n]) == encoded:
                struct.pack_into("<I", data, pos + size_at, declared)
            pos += 4
    open(path, "wb").write(bytes(data))


def ods(path, content):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        if callable(content):
            with out.open("content.xml", "w", force_zip64=True) as stream:
                content(stream)
        else:
            out.writestr("content.xml", content)


ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
    '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
)
ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"


def patched_xls(path, typ, length, offset, patch):
    data = bytearray(open(BASE_XLS, "rb").read())
    at = data.find(struct.pack("<HH", typ, length))
    data[at + 4 + offset : at + 4 + offset + len(patch)] = patch
    open(path, "wb").write(bytes(data))


def png_bomb(path, width, height):
    """A valid PNG header declaring width × height, with one tiny compressed row."""
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width * 3 + 1) * 4, 9)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def make(out):
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)  # noqa: E731
    cell = lambda r: f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>'  # noqa: E731

    # Controls: ordinary files that must still pass.
    with open(BASE_XLSX, "rb") as src, open(p("00-ordinary.xlsx"), "wb") as dst:
        dst.write(src.read())
    with open(os.path.join(FIXTURES, "nominations_utf8.csv"), "rb") as src, open(p("00-ordinary.csv"), "wb") as dst:
        dst.write(src.read())

    # .xlsx: cells far away, declared dimensions
    rewrite_xlsx(p("corner-XFD1048576.xlsx"), {SHEET: sheet_xml(
        f'<row r="1">{inline("A1", "序号")}</row><row r="1048576">{inline("XFD1048576", "x")}</row>'.encode(), "A1:XFD1048576")})
    rewrite_xlsx(p("last-row-A1048576.xlsx"), {SHEET: sheet_xml(
        f'<row r="1048576">{inline("A1048576", "x")}</row>'.encode())})
    rewrite_xlsx(p("far-column-ZZ1.xlsx"), {SHEET: sheet_xml(f'<row r="1">{inline("ZZ1", "x")}</row>'.encode())})
    rewrite_xlsx(p("800k-rows.xlsx"), {SHEET: rows_of(cell, 800_000)})
    rewrite_xlsx(p("20k-rows-64-cols.xlsx"), {SHEET: rows_of(
        lambda r: f'<row r="{r}">' + "".join(f'<c r="{col}{r}"><v>1</v></c>' for col in COLS64) + "</row>", 20_000)})

    # .xlsx: zip bombs
    rewrite_xlsx(p("spaces-300MB.xlsx"), {SHEET: spaces(300)})
    rewrite_xlsx(p("spaces-40MB.xlsx"), {SHEET: spaces(40)})
    rewrite_xlsx(p("lying-size.xlsx"), {SHEET: spaces(200)})
    lie_about_size(p("lying-size.xlsx"), SHEET, 4096)
    rewrite_xlsx(p("many-entries-10000.xlsx"), {}, [f"xl/media/image{i}.bin" for i in range(10_000)])

    # .xlsx: shared strings
    rewrite_xlsx(p("sst-count-4e9.xlsx"), {"xl/sharedStrings.xml":
        f'<?xml version="1.0"?><sst xmlns="{NS}" count="4000000000" uniqueCount="4000000000"><si><t>x</t></si></sst>'})
    rewrite_xlsx(p("sst-1M-strings-22MB.xlsx"), {"xl/sharedStrings.xml": shared_strings(
        lambda s: [s.write("".join(f"<si><t>{i}</t></si>" for i in range(k, k + 10_000)).encode())
                   for k in range(0, 1_000_000, 10_000)])})
    rewrite_xlsx(p("sst-one-long-in-20k-cells.xlsx"), {
        "xl/sharedStrings.xml": shared_strings(lambda s: s.write(b"<si><t>" + b"x" * 30_000 + b"</t></si>")),
        SHEET: rows_of(lambda r: f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>', 20_000)})
    rewrite_xlsx(p("sst-deep-rich-text.xlsx"), {"xl/sharedStrings.xml": shared_strings(
        lambda s: s.write(b"<si>" + b"<r><t>x</t></r>" * 1_000_000 + b"</si>"))})

    # .xlsx: cells and sheets
    rewrite_xlsx(p("long-cell-8MB.xlsx"), {SHEET: sheet_xml(
        f'<row r="1">{inline("A1", "x" * (8 * 1024 * 1024))}</row>'.encode())})
    noise = base64.b64encode(os.urandom(6 * 1024 * 1024)).decode()
    rewrite_xlsx(p("long-cell-8MB-random.xlsx"), {SHEET: sheet_xml(f'<row r="1">{inline("A1", noise)}</row>'.encode())})
    rewrite_xlsx(p("sst-long-random.xlsx"), {"xl/sharedStrings.xml": shared_strings(
        lambda s: s.write(f"<si><t>{noise}</t></si>".encode()))})
    many_sheets = {}
    workbook = [f'<?xml version="1.0"?><workbook xmlns="{NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>']
    rels = ['<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">']
    for i in range(1, 451):
        workbook.append(f'<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>')
        many_sheets[f"xl/worksheets/sheet{i}.xml"] = rows_of(cell, 2_000)
    workbook.append("</sheets></workbook>")
    rels.append("</Relationships>")
    many_sheets["xl/workbook.xml"] = "".join(workbook)
    many_sheets["xl/_rels/workbook.xml.rels"] = "".join(rels)
    rewrite_xlsx(p("many-sheets-450.xlsx"), many_sheets)

    # .ods
    ods(p("ods-repeat-bomb.ods"), ODS_HEAD + '<table:table-row table:number-rows-repeated="1048576">'
        '<table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>x</text:p>'
        "</table:table-cell></table:table-row>" + ODS_TAIL)
    ods(p("ods-long-repeated-cell.ods"), ODS_HEAD + '<table:table-row table:number-rows-repeated="20000">'
        '<table:table-cell office:value-type="string" table:number-columns-repeated="60"><text:p>'
        + "x" * 30_000 + "</text:p></table:table-cell></table:table-row>" + ODS_TAIL)
    ods(p("ods-spaces-300MB.ods"), lambda s: (s.write(ODS_HEAD.encode()),
        [s.write(b" " * (1024 * 1024)) for _ in range(300)], s.write(ODS_TAIL.encode())))

    # .xls (the LibreOffice fixture, one record patched)
    patched_xls(p("xls-dimensions-65536.xls"), 0x0200, 14, 4, struct.pack("<I", 65536))
    patched_xls(p("xls-cell-row-60000.xls"), 0x00FD, 10, 0, struct.pack("<H", 60000))

    # CSV / text
    with open(p("csv-1M-rows.csv"), "w") as f:
        f.write("序号,贫困县\n" + "1,2\n" * 1_000_000)
    with open(p("csv-blank-lines-then-x.csv"), "w") as f:
        f.write("序号\n" + "\n" * 9_000_000 + "x\n")
    with open(p("csv-9M-commas.csv"), "w") as f:
        f.write("," * 9_000_000 + "\n")
    with open(p("csv-long-cell-9MB.csv"), "w") as f:
        f.write("序号\n" + "x" * 9_000_000 + "\n")
    with open(p("csv-far-column.csv"), "w") as f:
        f.write("," * 100 + "x\n")

    # Images (for the photo upload; the sheet reader names them as pictures)
    png_bomb(p("png-30000x30000.png"), 30_000, 30_000)


COLS64 = []
for i in range(64):
    n, s = i + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    COLS64.append(s)


class Client:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=120) as r:
            return r.status, r.read().decode("utf-8", "replace")

    def csrf(self, path):
        _, page = self.get(path)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def login(self, user, password):
        token = self.csrf("/login")
        body = urllib.parse.urlencode({"csrf_token": token, "username": user, "password": password}).encode()
        req = urllib.request.Request(self.base + "/login", data=body, headers={"Origin": self.base})
        with self.opener.open(req, timeout=120) as r:
            r.read()
        status, page = self.get("/county/upload")
        assert "上传推荐名录" in page, "not signed in as a county account"

    def upload(self, path):
        token = self.csrf("/county/upload")
        boundary = uuid.uuid4().hex
        name = os.path.basename(path)
        body = io.BytesIO()
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'.encode())
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                   "Content-Type: application/octet-stream\r\n\r\n".encode())
        body.write(open(path, "rb").read())
        body.write(f"\r\n--{boundary}--\r\n".encode())
        req = urllib.request.Request(self.base + "/county/upload", data=body.getvalue(), headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Origin": self.base})
        try:
            with self.opener.open(req, timeout=300) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")


def first_message(page):
    m = re.search(r'<div class="alert"[^>]*>(.*?)</div>', page, re.S)
    if not m:
        return "（无错误信息）"
    text = re.sub(r"<[^>]+>", "", m.group(1))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[1:2] or lines[:1])[:110]


def upload_all(base, folder, user, password):
    client = Client(base)
    client.login(user, password)
    health = {"ok": 0, "fail": 0, "slowest": 0.0}
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            started = time.monotonic()
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=10) as r:
                    r.read()
                    health["ok" if r.status == 200 else "fail"] += 1
            except Exception:
                health["fail"] += 1
            health["slowest"] = max(health["slowest"], time.monotonic() - started)
            time.sleep(0.1)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    print(f"{'file':<34} {'status':>6} {'time s':>7}  message")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".png"):
            continue
        started = time.monotonic()
        status, page = client.upload(os.path.join(folder, name))
        elapsed = time.monotonic() - started
        print(f"{name:<34} {status:>6} {elapsed:>7.2f}  {first_message(page)}", flush=True)
    stop.set()
    poller.join()
    print(f"/healthz during uploads: {health['ok']} ok, {health['fail']} failed, slowest {health['slowest']:.3f} s")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "upload":
        upload_all(*sys.argv[2:6])
    else:
        sys.exit(__doc__)
