//go:build !unix

package regularfile

import "os"

// open opens path for reading. Without O_NONBLOCK, the Stat that follows
// is what refuses anything but a regular file.
func open(path string) (*os.File, error) { return os.Open(path) }

func setBlocking(*os.File) error { return nil }
