package nwfilter

// ghashOrder returns keys in the order GLib's GHashTable (glib 2.74, as on Debian 12) iterates
// them after they were inserted in the given order with g_str_hash. libvirt lists the ebtables
// chains it makes and the variables it cannot resolve in this order, so it decides which of two
// chains of equal priority comes first and how an error message reads.
func ghashOrder(keys []string) []string {
	t := ghash{}
	t.setShift(3)
	for _, k := range keys {
		t.insert(k)
	}
	out := make([]string, 0, t.nnodes)
	for i := 0; i < t.size; i++ {
		if t.hashes[i] >= 2 {
			out = append(out, t.keys[i])
		}
	}
	return out
}

var primeMod = []uint32{1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071, 262139, 524287, 1048573}

type ghash struct {
	size, mod, mask   int
	nnodes, noccupied int
	hashes            []uint32
	keys              []string
}

func gStrHash(s string) uint32 {
	h := uint32(5381)
	for i := 0; i < len(s); i++ {
		h = h<<5 + h + uint32(int32(int8(s[i])))
	}
	return h
}

func (t *ghash) setShift(shift int) {
	t.size = 1 << shift
	t.mod = int(primeMod[shift])
	t.mask = t.size - 1
}

func (t *ghash) toIndex(h uint32) int { return int((h * 11) % uint32(t.mod)) }

func (t *ghash) insert(k string) {
	if t.hashes == nil {
		t.hashes = make([]uint32, t.size)
		t.keys = make([]string, t.size)
	}
	h := gStrHash(k)
	if h < 2 {
		h = 2
	}
	idx := t.toIndex(h)
	step := 0
	for t.hashes[idx] != 0 {
		if t.hashes[idx] == h && t.keys[idx] == k {
			return // already there: libvirt only updates the value
		}
		step++
		idx = (idx + step) & t.mask
	}
	t.hashes[idx] = h
	t.keys[idx] = k
	t.nnodes++
	t.noccupied++
	if t.size <= t.noccupied+t.noccupied/16 {
		t.resize()
	}
}

func (t *ghash) resize() {
	oldSize := t.size
	n := int(float64(t.nnodes) * 1.333)
	shift := 0
	for n > 0 {
		n >>= 1
		shift++
	}
	if shift < 3 {
		shift = 3
	}
	t.setShift(shift)
	if t.size > oldSize {
		t.hashes = append(t.hashes, make([]uint32, t.size-oldSize)...)
		t.keys = append(t.keys, make([]string, t.size-oldSize)...)
	}
	moved := make([]bool, max(t.size, oldSize))
	for i := 0; i < oldSize; i++ {
		h := t.hashes[i]
		if h < 2 {
			t.hashes[i] = 0
			continue
		}
		if moved[i] {
			continue
		}
		t.hashes[i] = 0
		key := t.keys[i]
		t.keys[i] = ""
		for {
			idx := t.toIndex(h)
			step := 0
			for moved[idx] {
				step++
				idx = (idx + step) & t.mask
			}
			moved[idx] = true
			replaced := t.hashes[idx]
			replacedKey := t.keys[idx]
			t.hashes[idx] = h
			t.keys[idx] = key
			if replaced < 2 {
				break
			}
			h, key = replaced, replacedKey
		}
	}
	t.noccupied = t.nnodes
}
