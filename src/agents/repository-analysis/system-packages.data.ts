/**
 * Debian/Ubuntu packages that known dependencies need at build or run time. Kept as data so it
 * can grow without touching code: one entry per dependency name and ecosystem.
 * `kind: 'browser'` marks dependencies that download or drive a browser (a prerequisite of its own).
 */
export interface SystemPackageRule {
  ecosystem: 'node' | 'python' | 'ruby' | 'rust' | 'php' | 'go' | 'cmake' | 'java-maven' | 'java-gradle' | 'dotnet';
  /** Dependency name as written in the manifest (lower-case; Python names normalised with `-`). */
  dependency: string;
  apt: string[];
  kind?: 'build' | 'runtime' | 'browser';
  why?: string;
  /** Needed only in some setups (no prebuilt wheel/binary fits): listed, not installed by default. */
  optional?: boolean;
}

const BROWSER_LIBS = ['libnss3', 'libatk1.0-0', 'libatk-bridge2.0-0', 'libcups2', 'libdrm2', 'libxkbcommon0', 'libxcomposite1', 'libxdamage1', 'libxrandr2', 'libgbm1', 'libpango-1.0-0', 'libcairo2', 'libasound2'];
const CAIRO_NODE = ['build-essential', 'libcairo2-dev', 'libpango1.0-dev', 'libjpeg-dev', 'libgif-dev', 'librsvg2-dev'];
const NODE_GYP = ['build-essential', 'python3', 'make', 'g++'];

export const SYSTEM_PACKAGE_RULES: SystemPackageRule[] = [
  // Python
  { ecosystem: 'python', dependency: 'psycopg2', apt: ['libpq-dev', 'python3-dev', 'build-essential'], kind: 'build', why: 'compiles against libpq' },
  { ecosystem: 'python', dependency: 'psycopg', apt: ['libpq5'], kind: 'runtime', why: 'loads libpq at run time' },
  { ecosystem: 'python', dependency: 'mysqlclient', apt: ['default-libmysqlclient-dev', 'pkg-config', 'build-essential'], kind: 'build' },
  { ecosystem: 'python', dependency: 'lxml', apt: ['libxml2-dev', 'libxslt1-dev'], kind: 'build' },
  { ecosystem: 'python', dependency: 'pycairo', apt: ['libcairo2-dev', 'pkg-config', 'python3-dev'], kind: 'build' },
  { ecosystem: 'python', dependency: 'pygobject', apt: ['libgirepository1.0-dev', 'libcairo2-dev', 'pkg-config'], kind: 'build' },
  { ecosystem: 'python', dependency: 'pdf2image', apt: ['poppler-utils'], kind: 'runtime' },
  { ecosystem: 'python', dependency: 'pydub', apt: ['ffmpeg'], kind: 'runtime' },
  { ecosystem: 'python', dependency: 'moviepy', apt: ['ffmpeg'], kind: 'runtime' },
  { ecosystem: 'python', dependency: 'opencv-python', apt: ['libgl1', 'libglib2.0-0'], kind: 'runtime' },
  { ecosystem: 'python', dependency: 'pytesseract', apt: ['tesseract-ocr'], kind: 'runtime' },
  { ecosystem: 'python', dependency: 'python-ldap', apt: ['libldap2-dev', 'libsasl2-dev'], kind: 'build' },
  { ecosystem: 'python', dependency: 'pyaudio', apt: ['portaudio19-dev'], kind: 'build' },
  { ecosystem: 'python', dependency: 'pygraphviz', apt: ['graphviz', 'graphviz-dev'], kind: 'build' },
  { ecosystem: 'python', dependency: 'graphviz', apt: ['graphviz'], kind: 'runtime' },
  { ecosystem: 'python', dependency: 'weasyprint', apt: ['libpango-1.0-0', 'libpangoft2-1.0-0', 'libharfbuzz0b'], kind: 'runtime' },
  { ecosystem: 'python', dependency: 'cairosvg', apt: ['libcairo2'], kind: 'runtime' },
  { ecosystem: 'python', dependency: 'python-magic', apt: ['libmagic1'], kind: 'runtime' },
  { ecosystem: 'python', dependency: 'pyodbc', apt: ['unixodbc-dev'], kind: 'build' },
  { ecosystem: 'python', dependency: 'gdal', apt: ['gdal-bin', 'libgdal-dev'], kind: 'build' },
  { ecosystem: 'python', dependency: 'shapely', apt: ['libgeos-dev'], kind: 'build' },
  { ecosystem: 'python', dependency: 'xmlsec', apt: ['libxmlsec1-dev', 'pkg-config'], kind: 'build' },
  { ecosystem: 'python', dependency: 'python-snappy', apt: ['libsnappy-dev'], kind: 'build' },
  { ecosystem: 'python', dependency: 'pillow', apt: ['libjpeg-dev', 'zlib1g-dev'], kind: 'build', why: 'only when no wheel exists for this Python', optional: true },
  { ecosystem: 'python', dependency: 'playwright', apt: BROWSER_LIBS, kind: 'browser' },
  { ecosystem: 'python', dependency: 'pytest-playwright', apt: BROWSER_LIBS, kind: 'browser' },
  { ecosystem: 'python', dependency: 'selenium', apt: ['chromium', 'chromium-driver'], kind: 'browser' },
  { ecosystem: 'python', dependency: 'dbus-python', apt: ['libdbus-1-dev', 'libglib2.0-dev'], kind: 'build' },
  { ecosystem: 'python', dependency: 'pyyaml', apt: ['libyaml-dev'], kind: 'build', why: 'optional C speed-ups', optional: true },
  { ecosystem: 'python', dependency: 'cryptography', apt: ['libssl-dev', 'libffi-dev'], kind: 'build', why: 'only when no wheel exists for this platform', optional: true },
  { ecosystem: 'python', dependency: 'm2crypto', apt: ['libssl-dev', 'swig'], kind: 'build' },
  { ecosystem: 'python', dependency: 'pycurl', apt: ['libcurl4-openssl-dev', 'libssl-dev'], kind: 'build' },
  { ecosystem: 'python', dependency: 'h5py', apt: ['libhdf5-dev'], kind: 'build' },
  // Node
  { ecosystem: 'node', dependency: 'canvas', apt: CAIRO_NODE, kind: 'build' },
  { ecosystem: 'node', dependency: 'sharp', apt: ['libvips-dev'], kind: 'build', why: 'only when the prebuilt binary does not fit', optional: true },
  { ecosystem: 'node', dependency: 'bcrypt', apt: NODE_GYP, kind: 'build', why: 'node-gyp native build when no prebuilt binary fits', optional: true },
  { ecosystem: 'node', dependency: 'node-gyp', apt: NODE_GYP, kind: 'build' },
  { ecosystem: 'node', dependency: 'better-sqlite3', apt: NODE_GYP, kind: 'build', why: 'node-gyp native build when no prebuilt binary fits', optional: true },
  { ecosystem: 'node', dependency: 'sqlite3', apt: NODE_GYP, kind: 'build', why: 'node-gyp native build when no prebuilt binary fits', optional: true },
  { ecosystem: 'node', dependency: 'node-sass', apt: NODE_GYP, kind: 'build' },
  { ecosystem: 'node', dependency: 'argon2', apt: NODE_GYP, kind: 'build', why: 'only when no prebuilt binary fits', optional: true },
  { ecosystem: 'node', dependency: 'pg-native', apt: ['libpq-dev', ...NODE_GYP], kind: 'build' },
  { ecosystem: 'node', dependency: 'puppeteer', apt: BROWSER_LIBS, kind: 'browser' },
  { ecosystem: 'node', dependency: 'playwright', apt: BROWSER_LIBS, kind: 'browser' },
  { ecosystem: 'node', dependency: '@playwright/test', apt: BROWSER_LIBS, kind: 'browser' },
  { ecosystem: 'node', dependency: 'cypress', apt: ['xvfb', 'libgtk-3-0', 'libnotify4', 'libgconf-2-4', ...BROWSER_LIBS], kind: 'browser' },
  { ecosystem: 'node', dependency: 'karma-chrome-launcher', apt: ['chromium'], kind: 'browser' },
  { ecosystem: 'node', dependency: 'selenium-webdriver', apt: ['chromium', 'chromium-driver'], kind: 'browser' },
  { ecosystem: 'node', dependency: 'gl', apt: ['libxi-dev', 'libglu1-mesa-dev', 'libglew-dev', 'xvfb'], kind: 'build' },
  { ecosystem: 'node', dependency: 'zeromq', apt: ['libzmq3-dev'], kind: 'build' },
  { ecosystem: 'node', dependency: 'fluent-ffmpeg', apt: ['ffmpeg'], kind: 'runtime' },
  // Ruby
  { ecosystem: 'ruby', dependency: 'pg', apt: ['libpq-dev'], kind: 'build' },
  { ecosystem: 'ruby', dependency: 'mysql2', apt: ['default-libmysqlclient-dev'], kind: 'build' },
  { ecosystem: 'ruby', dependency: 'nokogiri', apt: ['libxml2-dev', 'libxslt1-dev', 'pkg-config'], kind: 'build', why: 'only when the precompiled gem does not fit', optional: true },
  { ecosystem: 'ruby', dependency: 'rugged', apt: ['cmake', 'pkg-config', 'libssl-dev'], kind: 'build' },
  { ecosystem: 'ruby', dependency: 'sqlite3', apt: ['libsqlite3-dev'], kind: 'build' },
  { ecosystem: 'ruby', dependency: 'rmagick', apt: ['libmagickwand-dev'], kind: 'build' },
  { ecosystem: 'ruby', dependency: 'mini_magick', apt: ['imagemagick'], kind: 'runtime' },
  { ecosystem: 'ruby', dependency: 'ffi', apt: ['libffi-dev'], kind: 'build' },
  { ecosystem: 'ruby', dependency: 'charlock_holmes', apt: ['libicu-dev'], kind: 'build' },
  { ecosystem: 'ruby', dependency: 'selenium-webdriver', apt: ['chromium', 'chromium-driver'], kind: 'browser' },
  // Rust
  { ecosystem: 'rust', dependency: 'openssl-sys', apt: ['libssl-dev', 'pkg-config'], kind: 'build' },
  { ecosystem: 'rust', dependency: 'openssl', apt: ['libssl-dev', 'pkg-config'], kind: 'build' },
  { ecosystem: 'rust', dependency: 'native-tls', apt: ['libssl-dev', 'pkg-config'], kind: 'build' },
  { ecosystem: 'rust', dependency: 'libsqlite3-sys', apt: ['libsqlite3-dev'], kind: 'build', why: 'unless the "bundled" feature is on', optional: true },
  { ecosystem: 'rust', dependency: 'pq-sys', apt: ['libpq-dev'], kind: 'build' },
  { ecosystem: 'rust', dependency: 'mysqlclient-sys', apt: ['default-libmysqlclient-dev'], kind: 'build' },
  { ecosystem: 'rust', dependency: 'alsa-sys', apt: ['libasound2-dev'], kind: 'build' },
  { ecosystem: 'rust', dependency: 'libudev-sys', apt: ['libudev-dev'], kind: 'build' },
  { ecosystem: 'rust', dependency: 'rdkafka', apt: ['cmake', 'libssl-dev', 'libsasl2-dev'], kind: 'build' },
  { ecosystem: 'rust', dependency: 'prost-build', apt: ['protobuf-compiler'], kind: 'build' },
  { ecosystem: 'rust', dependency: 'tonic-build', apt: ['protobuf-compiler'], kind: 'build' },
  { ecosystem: 'rust', dependency: 'gtk', apt: ['libgtk-3-dev'], kind: 'build' },
  // PHP (extensions named in composer.json as ext-*)
  { ecosystem: 'php', dependency: 'ext-gd', apt: ['php-gd'], kind: 'runtime' },
  { ecosystem: 'php', dependency: 'ext-intl', apt: ['php-intl'], kind: 'runtime' },
  { ecosystem: 'php', dependency: 'ext-pdo_pgsql', apt: ['php-pgsql'], kind: 'runtime' },
  { ecosystem: 'php', dependency: 'ext-pdo_mysql', apt: ['php-mysql'], kind: 'runtime' },
  { ecosystem: 'php', dependency: 'ext-mbstring', apt: ['php-mbstring'], kind: 'runtime' },
  { ecosystem: 'php', dependency: 'ext-xml', apt: ['php-xml'], kind: 'runtime' },
  { ecosystem: 'php', dependency: 'ext-curl', apt: ['php-curl'], kind: 'runtime' },
  { ecosystem: 'php', dependency: 'ext-zip', apt: ['php-zip'], kind: 'runtime' },
  { ecosystem: 'php', dependency: 'ext-imagick', apt: ['php-imagick'], kind: 'runtime' },
  // Go (cgo bindings)
  { ecosystem: 'go', dependency: 'github.com/mattn/go-sqlite3', apt: ['gcc', 'libc6-dev'], kind: 'build', why: 'cgo' },
  { ecosystem: 'go', dependency: 'github.com/google/gopacket', apt: ['libpcap-dev'], kind: 'build' },
  // CMake find_package names
  { ecosystem: 'cmake', dependency: 'openssl', apt: ['libssl-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'zlib', apt: ['zlib1g-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'boost', apt: ['libboost-all-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'curl', apt: ['libcurl4-openssl-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'gtest', apt: ['libgtest-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'pkgconfig', apt: ['pkg-config'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'sqlite3', apt: ['libsqlite3-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'libxml2', apt: ['libxml2-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'png', apt: ['libpng-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'jpeg', apt: ['libjpeg-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'protobuf', apt: ['libprotobuf-dev', 'protobuf-compiler'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'qt5', apt: ['qtbase5-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'qt6', apt: ['qt6-base-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'eigen3', apt: ['libeigen3-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'opencv', apt: ['libopencv-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'sdl2', apt: ['libsdl2-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'fmt', apt: ['libfmt-dev'], kind: 'build' },
  { ecosystem: 'cmake', dependency: 'spdlog', apt: ['libspdlog-dev'], kind: 'build' },
];

/** Normalise a dependency name for lookup: lower case; Python's `_`/`.` equal `-` (PEP 503). */
export function normaliseDependency(ecosystem: string, name: string): string {
  const n = name.toLowerCase().trim();
  return ecosystem === 'python' ? n.replace(/[-_.]+/g, '-') : n;
}

const index = new Map<string, SystemPackageRule>();
for (const r of SYSTEM_PACKAGE_RULES) index.set(`${r.ecosystem}\u0000${normaliseDependency(r.ecosystem, r.dependency)}`, r);

export function systemPackageRule(ecosystem: string, dependency: string): SystemPackageRule | undefined {
  const eco = ecosystem === 'meson' || ecosystem === 'autotools' || ecosystem === 'make' ? 'cmake' : ecosystem;
  return index.get(`${eco}\u0000${normaliseDependency(eco, dependency)}`);
}

/** Rules matching any of the dependency names, in table order without duplicates. */
export function rulesFor(ecosystem: string, dependencies: Iterable<string>): SystemPackageRule[] {
  const out: SystemPackageRule[] = [];
  for (const d of dependencies) {
    const r = systemPackageRule(ecosystem, d);
    if (r && !out.includes(r)) out.push(r);
  }
  return out;
}
