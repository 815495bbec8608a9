"""Month and weekday names per language: the one table the date filter of design templates
(:mod:`render_engine.personalization.variables`) and the calendar grid (:mod:`.calendar_grid`) both read.

Keyed by language (``en``, ``hi``, ``zh``); weekdays Monday first, as :meth:`datetime.date.weekday`. The names
are data, not ICU look-ups at render time, so the same order prints the same text whatever ICU version a
machine has; ``tests/engine/test_calendar.py`` compares the short weekday names with ICU's (CLDR) abbreviated
stand-alone forms.
"""

from __future__ import annotations

MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "hi": ["जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्तूबर", "नवंबर", "दिसंबर"],
    "zh": ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
}
WEEKDAYS = {  # Monday first, as date.weekday()
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "hi": ["सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार", "रविवार"],
    "zh": ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"],
}
WEEKDAYS_SHORT = {  # CLDR abbreviated stand-alone forms (a calendar's column heads), Monday first
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "hi": ["सोम", "मंगल", "बुध", "गुरु", "शुक्र", "शनि", "रवि"],
    "zh": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
}
