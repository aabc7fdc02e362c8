package limit

import "testing"

func TestOr(t *testing.T) {
	for _, c := range []struct{ v, def, want int64 }{
		{0, 16, 16}, {-1, 16, 16}, {1, 16, 1}, {32, 16, 32},
	} {
		if got := Or(c.v, c.def); got != c.want {
			t.Errorf("Or(%d, %d) = %d, want %d", c.v, c.def, got, c.want)
		}
	}
	if got := Or(0, 256); got != 256 {
		t.Errorf("Or(0, 256) = %d, want 256", got)
	}
}
