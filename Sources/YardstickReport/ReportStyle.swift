import Foundation

/// The report's hand-written CSS: one palette for light and dark (`prefers-color-scheme`), shared by the page and
/// by the SVG files written for the Markdown report.
enum ReportStyle {
    static let paletteSize = 10
    static let light = ["#1f6fb4", "#d45500", "#16876a", "#6f62c8", "#c72a7f", "#4f8a16", "#99661d", "#0b7a85", "#a07000", "#5c6670"]
    static let dark = ["#6cb4ee", "#ff9a4d", "#4fd1a5", "#aaa4ff", "#ff7ab8", "#9ee05a", "#e0b060", "#3fd0dc", "#f0c040", "#b8c0c8"]

    static func palette(_ colors: [String]) -> String {
        colors.enumerated().map { ".c\($0.offset){stroke:\($0.element);fill:\($0.element)}" }.joined()
    }

    static let variables = """
        :root{--bg:#ffffff;--fg:#1b1f24;--muted:#57606a;--grid:#e8ecf0;--axis:#8c959f;--card:#f6f8fa;--border:#d0d7de;\
        --link:#0969da;--ins:#cdf3d6;--del:#ffd8d3;--good:#1a7f37;--bad:#c4262e;--up:#0a5cc2;--down:#b34700}
        @media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9aa3ad;--grid:#232a33;--axis:#6e7681;\
        --card:#161b22;--border:#30363d;--link:#58a6ff;--ins:#1d4a2c;--del:#5c2227;--good:#56d364;--bad:#ff7b72;--up:#6cb6ff;--down:#f0883e}}
        """

    static let chart = """
        .chart text{font:12.5px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:var(--muted)}
        .chart .t{font-size:14px;font-weight:600;fill:var(--fg)}.chart .k{fill:var(--fg);paint-order:stroke;stroke:var(--card);stroke-width:3px;stroke-linejoin:round}
        .chart .g{stroke:var(--grid)}.chart .f,.chart .x{fill:none;stroke:var(--axis)}
        .chart .e{stroke:var(--axis);stroke-dasharray:3 3}
        .chart .l{fill:none;stroke-width:1.7;stroke-linejoin:round;stroke-linecap:round}
        .chart .r{stroke-width:1;opacity:.28}.chart .d2{stroke-dasharray:6 3}
        .chart .m{stroke:var(--bg);stroke-width:1.5}.chart .b{stroke:none;opacity:.8}
        .chart .w{fill:none;stroke:var(--fg);stroke-width:1.3}.bg{fill:var(--bg)}
        """

    /// The style sheet of a standalone SVG file (light and dark).
    static var svgStandalone: String {
        variables + chart + palette(light) + "@media (prefers-color-scheme:dark){" + palette(dark) + "}"
    }

    static let page = """
        *{box-sizing:border-box}html{color-scheme:light dark}
        body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        main{max-width:1200px;margin:0 auto;padding:1rem}
        a{color:var(--link)}h1{font-size:1.55rem;margin:.2rem 0 .4rem}
        h2{font-size:1.25rem;border-bottom:1px solid var(--border);padding-bottom:.25rem;margin-top:2.2rem}
        h3{font-size:1.05rem;margin:1.4rem 0 .5rem}p,li{overflow-wrap:anywhere}
        .meta,.note{color:var(--muted);font-size:.875rem}
        .scroll{overflow-x:auto;max-width:100%;margin:.5rem 0}
        table{border-collapse:collapse;font-size:.85rem;font-variant-numeric:tabular-nums}
        th,td{border:1px solid var(--border);padding:.3rem .55rem;text-align:left;vertical-align:top}
        th{background:var(--card);white-space:nowrap}th[data-sort]{cursor:pointer}
        td{white-space:nowrap}td.n{text-align:right}td.w{white-space:normal;min-width:12rem;max-width:30rem;overflow-wrap:anywhere}
        .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,460px),1fr));gap:1rem}
        figure{margin:0;background:var(--card);border:1px solid var(--border);border-radius:6px;padding:.5rem;min-width:0}
        figcaption{font-size:.78rem;color:var(--muted);margin-top:.3rem}
        svg.chart{width:100%;height:auto;display:block}
        .ex{display:grid;grid-template-columns:repeat(var(--cols,3),minmax(0,1fr));gap:.5rem;margin:.4rem 0 1rem}
        .ex>div{background:var(--card);border:1px solid var(--border);border-radius:4px;padding:.35rem .5rem;\
        white-space:pre-wrap;overflow-wrap:anywhere;max-height:16em;overflow-y:auto;font-size:.875rem}
        .ex b{display:block;font-size:.75rem;color:var(--muted);font-weight:600}
        @media (max-width:720px){.ex{grid-template-columns:1fr}main{padding:.6rem}}
        mark{color:inherit;border-radius:2px}mark.x{background:var(--del)}mark.m{background:var(--ins)}
        .raise{color:var(--up);font-weight:600}.lower{color:var(--down);font-weight:600}.keep,.unknown{color:var(--muted)}
        .sig{font-weight:600}.flag{color:var(--bad)}
        ul.diag{padding-left:1.2rem}.run{border-left:4px solid var(--border);padding-left:.7rem;margin:1rem 0}
        """

    static var html: String {
        variables + page + chart + palette(light) + "@media (prefers-color-scheme:dark){" + palette(dark) + "}"
    }
}
