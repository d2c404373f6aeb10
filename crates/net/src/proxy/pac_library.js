// The PAC helper functions, written for this project. Host lookups and address-list work are
// native (__pac*), the rest is plain JavaScript.
(function (g) {
  'use strict';
  function needString(args, n) {
    for (var i = 0; i < n; i++) {
      if (typeof args[i] !== 'string') {
        throw new TypeError(n === 1 ? 'Requires 1 string parameter' : 'Requires ' + n + ' string parameters');
      }
    }
  }
  var native = {
    resolve: g.__pacDnsResolve,
    myIp: g.__pacMyIpAddress,
    isIp: g.__pacIsIpLiteral,
    inNetEx: g.__pacIsInNetEx,
    sortList: g.__pacSortIpAddressList
  };
  delete g.__pacDnsResolve;
  delete g.__pacMyIpAddress;
  delete g.__pacIsIpLiteral;
  delete g.__pacIsInNetEx;
  delete g.__pacSortIpAddressList;

  g.isPlainHostName = function (host) {
    needString(arguments, 1);
    if (native.isIp(host)) return false;
    return host.indexOf('.') < 0;
  };
  g.dnsDomainIs = function (host, domain) {
    host = String(host); domain = String(domain);
    return host.length >= domain.length && host.slice(host.length - domain.length) === domain;
  };
  g.localHostOrDomainIs = function (host, hostdom) {
    host = String(host); hostdom = String(hostdom);
    if (host === hostdom) return true;
    return host.indexOf('.') < 0 && hostdom.indexOf(host + '.') === 0;
  };
  g.dnsDomainLevels = function (host) {
    return String(host).split('.').length - 1;
  };
  g.dnsResolve = function (host) {
    needString(arguments, 1);
    var r = native.resolve(host, false);
    return r === undefined ? null : r;
  };
  g.dnsResolveEx = function (host) {
    needString(arguments, 1);
    var r = native.resolve(host, true);
    return r === undefined ? '' : r;
  };
  g.isResolvable = function (host) {
    needString(arguments, 1);
    return native.resolve(host, false) !== undefined;
  };
  g.isResolvableEx = function (host) {
    needString(arguments, 1);
    return native.resolve(host, true) !== undefined;
  };
  g.myIpAddress = function () { return native.myIp(false); };
  g.myIpAddressEx = function () { return native.myIp(true); };
  function ipv4Number(text) {
    var m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
    if (!m) return null;
    var n = 0;
    for (var i = 1; i <= 4; i++) {
      var part = Number(m[i]);
      if (part > 255) return null;
      n = n * 256 + part;
    }
    return n;
  }
  g.isInNet = function (host, pattern, mask) {
    var p = ipv4Number(String(pattern)), k = ipv4Number(String(mask));
    if (p === null || k === null) return false;
    var h = ipv4Number(String(host));
    if (h === null) {
      var resolved = g.dnsResolve(String(host));
      if (resolved === null) return false;
      h = ipv4Number(resolved);
      if (h === null) return false;
    }
    // Compare byte by byte: bitwise operators work on signed 32-bit numbers.
    for (var shift = 24; shift >= 0; shift -= 8) {
      var hb = Math.floor(h / Math.pow(2, shift)) % 256;
      var pb = Math.floor(p / Math.pow(2, shift)) % 256;
      var kb = Math.floor(k / Math.pow(2, shift)) % 256;
      if ((hb & kb) !== (pb & kb)) return false;
    }
    return true;
  };
  g.isInNetEx = function (ip, prefix) {
    if (typeof ip !== 'string' || typeof prefix !== 'string') return null;
    return native.inNetEx(ip, prefix);
  };
  g.sortIpAddressList = function (list) {
    if (typeof list !== 'string') return null;
    var r = native.sortList(list);
    return r === undefined ? false : r;
  };
  g.shExpMatch = function (text, pattern) {
    var re = '';
    pattern = String(pattern);
    for (var i = 0; i < pattern.length; i++) {
      var c = pattern.charAt(i);
      if (c === '*') re += '.*';
      else if (c === '?') re += '.';
      else re += c.replace(/[\\^$.|+()\[\]{}\/]/g, '\\$&');
    }
    return new RegExp('^' + re + '$').test(String(text));
  };

  var DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
  var MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
  function splitGmt(args) {
    var a = Array.prototype.slice.call(args);
    var gmt = a.length > 0 && a[a.length - 1] === 'GMT';
    if (gmt) a.pop();
    return { a: a, gmt: gmt };
  }
  function field(d, gmt, name) {
    return gmt ? d['getUTC' + name]() : d['get' + name]();
  }
  function inRange(v, lo, hi) {
    return lo <= hi ? (lo <= v && v <= hi) : (v >= lo || v <= hi);
  }
  g.weekdayRange = function () {
    var s = splitGmt(arguments);
    if (s.a.length < 1) return false;
    var lo = DAYS.indexOf(String(s.a[0]));
    var hi = s.a.length > 1 ? DAYS.indexOf(String(s.a[1])) : lo;
    if (lo < 0 || hi < 0) return false;
    return inRange(field(new Date(), s.gmt, 'Day'), lo, hi);
  };
  g.timeRange = function () {
    var s = splitGmt(arguments), a = s.a.map(Number), now = new Date();
    var h = field(now, s.gmt, 'Hours'), m = field(now, s.gmt, 'Minutes'), sec = field(now, s.gmt, 'Seconds');
    if (a.length === 1) return h === a[0];
    if (a.length === 2) return inRange(h, a[0], a[1]);
    if (a.length === 4) return inRange(h * 60 + m, a[0] * 60 + a[1], a[2] * 60 + a[3]);
    if (a.length === 6) {
      return inRange(h * 3600 + m * 60 + sec, a[0] * 3600 + a[1] * 60 + a[2], a[3] * 3600 + a[4] * 60 + a[5]);
    }
    return false;
  };
  g.dateRange = function () {
    var s = splitGmt(arguments), a = s.a, gmt = s.gmt, now = new Date();
    if (a.length === 0) return false;
    function kind(v) {
      var mi = MONTHS.indexOf(String(v));
      if (mi >= 0) return { month: mi };
      var n = Number(v);
      if (isNaN(n)) return {};
      return n < 32 ? { day: n } : { year: n };
    }
    if (a.length === 1) {
      var k = kind(a[0]);
      if (k.month !== undefined) return field(now, gmt, 'Month') === k.month;
      if (k.day !== undefined) return field(now, gmt, 'Date') === k.day;
      if (k.year !== undefined) return field(now, gmt, 'FullYear') === k.year;
      return false;
    }
    var half = a.length >> 1;
    var lowKinds = a.slice(0, half).map(kind), highKinds = a.slice(half).map(kind);
    var only = function (ks, f) { return ks.every(function (k) { return k[f] !== undefined; }); };
    if (only(lowKinds, 'month') && only(highKinds, 'month')) {
      return inRange(field(now, gmt, 'Month'), lowKinds[0].month, highKinds[0].month);
    }
    if (only(lowKinds, 'year') && only(highKinds, 'year')) {
      return inRange(field(now, gmt, 'FullYear'), lowKinds[0].year, highKinds[0].year);
    }
    // Netscape-compatible arithmetic: the low bound starts at January 1st 00:00:00 and the
    // high bound at December 31st 23:59:59 of this year; each argument then sets its field in
    // order (a month set on the 31st rolls over as JavaScript dates do). A two-argument form
    // with a day compares within the current month.
    var year = field(now, gmt, 'FullYear');
    var make = gmt
      ? function (y, mo, d, h, mi, se) { return new Date(Date.UTC(y, mo, d, h, mi, se)); }
      : function (y, mo, d, h, mi, se) { return new Date(y, mo, d, h, mi, se); };
    var low = make(year, 0, 1, 0, 0, 0), high = make(year, 11, 31, 23, 59, 59);
    var apply = function (d, ks) {
      ks.forEach(function (k) {
        if (k.month !== undefined) gmt ? d.setUTCMonth(k.month) : d.setMonth(k.month);
        else if (k.day !== undefined) gmt ? d.setUTCDate(k.day) : d.setDate(k.day);
        else if (k.year !== undefined) gmt ? d.setUTCFullYear(k.year) : d.setFullYear(k.year);
      });
    };
    apply(low, lowKinds);
    apply(high, highKinds);
    if (a.length === 2 && lowKinds[0].day !== undefined) {
      var month = field(now, gmt, 'Month');
      gmt ? low.setUTCMonth(month) : low.setMonth(month);
      gmt ? high.setUTCMonth(month) : high.setMonth(month);
    }
    return inRange(now.getTime(), low.getTime(), high.getTime());
  };
  g.alert = function () {};
})(globalThis);
