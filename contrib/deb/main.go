// Command deb builds tillroll_<version>_<arch>.deb from a built binary with
// nfpm (`make deb`). It is a module of its own so that nfpm's dependencies
// stay out of the tillroll binary's go.mod.
//
//	go -C contrib/deb run . --arch arm64 --binary ../../dist/tillroll-arm64 --out ../../dist
//
// The package holds the binary, contrib/tillroll.service, /etc/default/tillroll
// and the maintainer scripts beside this file (a tillroll system user,
// /var/lib/tillroll). Depends is worked out as dpkg-shlibdeps would: the
// binary's ELF NEEDED entries looked up in the shlibs files of the installed
// packages of that architecture, plus Tesseract's English data.
package main

import (
	"bufio"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "deb:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("deb", flag.ContinueOnError)
	arch := fs.String("arch", "amd64", "Debian architecture: amd64 or arm64")
	version := fs.String("version", "", "version from git describe (v1.2.0, v1.2.0-3-gabc1234, abc1234-dirty)")
	commitTime := fs.Int64("commit-time", 0, "commit time in Unix seconds: orders untagged builds and dates the files")
	binary := fs.String("binary", "", "the tillroll binary built for --arch")
	out := fs.String("out", ".", "directory the .deb is written to")
	unit := fs.String("unit", "../tillroll.service", "systemd unit")
	dpkgInfo := fs.String("dpkg-info", "/var/lib/dpkg/info", "where dpkg keeps the installed packages' shlibs files")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *binary == "" {
		return errors.New("--binary is required")
	}
	when := time.Unix(*commitTime, 0).UTC()
	v, err := debVersion(*version, when)
	if err != nil {
		return err
	}
	libs, err := neededLibraries(*binary, *arch)
	if err != nil {
		return err
	}
	depends, err := shlibsDepends(*dpkgInfo, *arch, libs)
	if err != nil {
		return err
	}
	// The binary opens eng.traineddata at run time; adduser makes the user.
	depends = append(depends, "tesseract-ocr-eng", "adduser")

	info := nfpm.WithDefaults(&nfpm.Info{
		Name:          "tillroll",
		Arch:          *arch,
		Platform:      "linux",
		Version:       v,
		VersionSchema: "none",
		Section:       "misc",
		Priority:      "optional",
		Maintainer:    "Tillroll maintainers <tillroll@localhost>",
		Description: "on-premise receipt and invoice capture\n" +
			"Upload a receipt, an invoice or a PDF over HTTP, get a key at once, and\n" +
			"fetch the fields Tesseract read as JSON; a web app for shoppers and shop\n" +
			"staff on the same box. Runs as the tillroll service on port 8080.",
		MTime: when,
		Overridables: nfpm.Overridables{
			Depends: depends,
			// --lang auto reads a page again in these when they are installed.
			Recommends: []string{"tesseract-ocr-deu", "tesseract-ocr-fra", "tesseract-ocr-nld", "tesseract-ocr-spa", "tesseract-ocr-ita"},
			Contents: files.Contents{
				{Source: *binary, Destination: "/usr/bin/tillroll", FileInfo: &files.ContentFileInfo{Mode: 0o755}},
				{Source: *unit, Destination: "/usr/lib/systemd/system/tillroll.service", FileInfo: &files.ContentFileInfo{Mode: 0o644}},
				{Source: "default", Destination: "/etc/default/tillroll", Type: files.TypeConfig, FileInfo: &files.ContentFileInfo{Mode: 0o644}},
			},
			Scripts: nfpm.Scripts{PostInstall: "postinst", PreRemove: "prerm", PostRemove: "postrm"},
		},
	})
	name := filepath.Join(*out, fmt.Sprintf("tillroll_%s_%s.deb", v, *arch))
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("create package: %w", err)
	}
	if err := deb.Default.Package(info, f); err != nil {
		_ = f.Close()
		_ = os.Remove(name)
		return fmt.Errorf("package %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write package: %w", err)
	}
	fmt.Fprintf(stdout, "%s (Depends: %s)\n", name, strings.Join(depends, ", "))
	return nil
}

var (
	debVersionRE = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*$`)
	releaseRE    = regexp.MustCompile(`^[0-9]+\.[0-9]+`) // a tag, not a commit hash
)

// debVersion makes a Debian version of git describe's: v1.2.0 is 1.2.0,
// v1.2.0-3-gabc1234 is 1.2.0+3.gabc1234, and an untagged abc1234-dirty is
// 0~git202612010903.abc1234.dirty, so that later commits sort higher and any
// tag sorts above every untagged build. There is no Debian revision: the
// package is built from the project's own tree.
func debVersion(describe string, commit time.Time) (string, error) {
	s := strings.TrimPrefix(describe, "v")
	var v string
	switch {
	case s == "":
		return "", errors.New("--version is required")
	case releaseRE.MatchString(s):
		base, rest, found := strings.Cut(s, "-")
		v = base
		if found {
			v += "+" + strings.ReplaceAll(rest, "-", ".")
		}
	default:
		v = "0~git" + commit.Format("200601021504") + "." + strings.ReplaceAll(s, "-", ".")
	}
	if !debVersionRE.MatchString(v) {
		return "", fmt.Errorf("version %q makes no Debian version (%q)", describe, v)
	}
	return v, nil
}

var elfMachine = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// neededLibraries reads the binary's NEEDED entries, after checking that it
// was built for arch.
func neededLibraries(path, arch string) ([]string, error) {
	want, ok := elfMachine[arch]
	if !ok {
		return nil, fmt.Errorf("unknown architecture %q (amd64 or arm64)", arch)
	}
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read binary: %w", err)
	}
	defer f.Close()
	if f.Machine != want {
		return nil, fmt.Errorf("%s is built for %v, not %s", path, f.Machine, arch)
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return nil, fmt.Errorf("read %s's libraries: %w", path, err)
	}
	if len(libs) == 0 {
		return nil, fmt.Errorf("%s links no shared library: not the cgo build with Tesseract", path)
	}
	return libs, nil
}

var triplet = map[string]string{"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}

// shlibsDepends maps each library (libtesseract.so.5) to the dependency
// its package's shlibs file declares (libtesseract5 (>= 5.3.0)), as
// dpkg-shlibdeps does: the package that installed the library in arch's
// multiarch directory (dpkg's *.list files) and that package's shlibs.
func shlibsDepends(dir, arch string, libs []string) ([]string, error) {
	lists, err := filepath.Glob(filepath.Join(dir, "*.list"))
	if err != nil {
		return nil, fmt.Errorf("dpkg lists: %w", err)
	}
	want := map[string]string{} // path -> library
	for _, lib := range libs {
		for _, d := range []string{"/usr/lib/", "/lib/"} {
			want[d+triplet[arch]+"/"+lib] = lib
		}
	}
	owner := map[string]string{} // library -> package (name or name:arch)
	for _, l := range lists {
		if err := findOwned(l, want, owner); err != nil {
			return nil, err
		}
	}
	var deps []string
	for _, lib := range libs {
		pkg, ok := owner[lib]
		if !ok {
			return nil, fmt.Errorf("no installed package holds %s in /usr/lib/%s (install its %s runtime package)", lib, triplet[arch], arch)
		}
		name, ver, ok := strings.Cut(lib, ".so.")
		if !ok {
			return nil, fmt.Errorf("library %q has no version in its name", lib)
		}
		known := map[string]string{}
		if err := readShlibs(filepath.Join(dir, pkg+".shlibs"), known); err != nil {
			return nil, err
		}
		dep, ok := known[name+" "+ver]
		if !ok {
			return nil, fmt.Errorf("%s's shlibs file does not declare %s", pkg, lib)
		}
		if !slices.Contains(deps, dep) {
			deps = append(deps, dep)
		}
	}
	slices.Sort(deps)
	return deps, nil
}

// findOwned records which of the wanted paths the dpkg list file names.
func findOwned(list string, want, owner map[string]string) error {
	f, err := os.Open(list)
	if err != nil {
		return fmt.Errorf("dpkg list: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if lib, ok := want[sc.Text()]; ok {
			owner[lib] = strings.TrimSuffix(filepath.Base(list), ".list")
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", list, err)
	}
	return nil
}

// readShlibs reads lines "[type:] library version dependencies".
func readShlibs(path string, known map[string]string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("shlibs: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if strings.HasSuffix(fields[0], ":") { // udeb: and other package types
			continue
		}
		if len(fields) < 3 {
			continue
		}
		key := fields[0] + " " + fields[1]
		if _, seen := known[key]; !seen {
			known[key] = strings.Join(fields[2:], " ")
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}
