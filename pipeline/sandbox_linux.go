package pipeline

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SandboxSupport is the Landlock ABI version the kernel offers, or
// ErrNoSandbox.
func SandboxSupport() (int, error) {
	v, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if errno != 0 {
		// ENOSYS: no such system call; EOPNOTSUPP: built in but off.
		return 0, fmt.Errorf("%w (%w)", ErrNoSandbox, errno)
	}
	return int(v), nil
}

// The rights a worker loses outside its scratch directory: every way to
// change the file system, by ABI version. Executing stays as the server's
// user has it; reading is allowed beneath systemReadable and the
// directories Sandbox is given.
const (
	writeRightsV1 = unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_REMOVE_DIR |
		unix.LANDLOCK_ACCESS_FS_REMOVE_FILE | unix.LANDLOCK_ACCESS_FS_MAKE_CHAR |
		unix.LANDLOCK_ACCESS_FS_MAKE_DIR | unix.LANDLOCK_ACCESS_FS_MAKE_REG |
		unix.LANDLOCK_ACCESS_FS_MAKE_SOCK | unix.LANDLOCK_ACCESS_FS_MAKE_FIFO |
		unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK | unix.LANDLOCK_ACCESS_FS_MAKE_SYM
	readRights      = unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR
	fileRights      = unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE
	fileWriteRights = unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE
)

// systemReadable are the folders and files a worker reads whatever the
// box: the C libraries and Tesseract's language data (/usr, /lib), the
// loader's cache and the time zone from /etc (not the rest of it: the
// service's settings in /etc/default may hold a password), its own /proc
// (another process's is closed to it by Landlock's ptrace rule) and the
// CPUs in /sys. Not /var, /home, /srv or /opt: the data directory (with
// the database and the key) lives in one of them, and stays unreadable.
var systemReadable = []string{"/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin",
	"/etc/ld.so.cache", "/etc/ld.so.preload", "/etc/localtime", "/proc", "/sys", "/dev"}

// Sandbox confines this process, the child worker, so that it can write
// only beneath scratch (and to /dev/null), read only beneath scratch, the
// folders in read (the originals it is sent, the second recognizer's),
// $TESSDATA_PREFIX, systemReadable and its own executable, and, where the kernel can
// (Landlock ABI 4 and 6), can neither open TCP connections nor signal
// processes outside it, such as the server. It returns at once inside the
// sandbox (Sandboxed). Otherwise it confines one locked thread and
// executes this program again from it, with the same arguments, fds and
// environment plus the marker and TMPDIR=scratch: on success it does not
// return. Where the kernel has no Landlock it returns ErrNoSandbox and
// the process goes on unconfined.
//
// Whatever must be written outside scratch (the OOM killer's score in
// /proc) is written before.
func Sandbox(scratch string, read ...string) error {
	if Sandboxed() {
		return nil
	}
	abi, err := SandboxSupport()
	if err != nil {
		return err
	}
	// By its path, not /proc/self/exe, so that ps and top name it as
	// before; the server started it by the same path.
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("sandbox: find own executable: %w", err)
	}
	preferOOMKill()
	// The domain is the thread's: this goroutine keeps the thread until
	// the exec, and the thread never serves another goroutine.
	runtime.LockOSThread()
	if tess := os.Getenv("TESSDATA_PREFIX"); tess != "" {
		read = append(slices.Clone(read), tess)
	}
	if err := restrictThread(abi, scratch, append(read, exe), systemReadable); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	env := append(os.Environ(), sandboxedEnv+"=1", "TMPDIR="+scratch)
	err = syscall.Exec(exe, os.Args, env)
	// Still here: the thread is confined, the process is not. It must
	// not go on as if it were either.
	return fmt.Errorf("sandbox: execute self: %w", err)
}

// restrictThread puts the calling thread in a new Landlock domain.
// Each of read must exist; those of optional that do not are left out.
func restrictThread(abi int, scratch string, read, optional []string) error {
	attr := unix.LandlockRulesetAttr{Handled_access_fs: writeRightsV1 | readRights}
	size := unsafe.Sizeof(attr.Handled_access_fs)
	if abi >= 2 {
		attr.Handled_access_fs |= unix.LANDLOCK_ACCESS_FS_REFER
	}
	if abi >= 3 {
		attr.Handled_access_fs |= unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	if abi >= 4 {
		// Handled with no rule: no TCP at all.
		attr.Handled_access_net = unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP
		size = unsafe.Offsetof(attr.Scoped)
	}
	if abi >= 6 {
		attr.Scoped = unix.LANDLOCK_SCOPE_SIGNAL | unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
		size = unsafe.Offsetof(attr.Quiet_access_fs)
	}
	fd, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if errno != 0 {
		return fmt.Errorf("create Landlock ruleset: %w", errno)
	}
	ruleset := int(fd)
	defer unix.Close(ruleset)
	allow := func(path string, rights uint64) error {
		f, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open %s for a Landlock rule: %w", path, err)
		}
		defer unix.Close(f)
		var st unix.Stat_t
		if err := unix.Fstat(f, &st); err != nil {
			return fmt.Errorf("stat %s for a Landlock rule: %w", path, err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			rights &= fileRights // a file's rule holds a file's rights only
		}
		rule := unix.LandlockPathBeneathAttr{Allowed_access: rights, Parent_fd: int32(f)}
		if _, _, errno := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&rule)), 0, 0, 0); errno != 0 {
			return fmt.Errorf("Landlock rule for %s: %w", path, errno)
		}
		return nil
	}
	if err := allow(scratch, attr.Handled_access_fs); err != nil {
		return err
	}
	if err := allow("/dev/null", fileWriteRights&attr.Handled_access_fs); err != nil && !errors.Is(err, unix.ENOENT) {
		return err
	}
	for _, dir := range read {
		if err := allow(dir, readRights); err != nil {
			return err
		}
	}
	for _, dir := range optional {
		if err := allow(dir, readRights); err != nil && !errors.Is(err, unix.ENOENT) {
			return err
		}
	}
	// Needed to restrict oneself without CAP_SYS_ADMIN; like the domain,
	// it is the thread's and passes on across execve.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no new privileges: %w", err)
	}
	if _, _, errno := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(ruleset), 0, 0); errno != 0 {
		return fmt.Errorf("enter Landlock domain: %w", errno)
	}
	return nil
}
