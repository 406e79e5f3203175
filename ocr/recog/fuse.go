package recog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The model, exported from Paddle at ONNX opset 9, spells each of its
// backbone's blocks as a convolution followed by eight element-wise
// operations: a learnable scale and shift (Mul, Add), hard-swish as
// x*clip(x+3, 0, 6)/6 (Add, Clip, Mul, Div) and another scale and shift.
// ONNX Runtime fuses none of them, and with their layout changes they are
// about half of the model's time on a line. fuseModel rewrites the graph
// into the same function with fewer operations:
//
//   - a scale and shift right after a convolution go into its weights and
//     bias (s*(W*x+B)+t = (s*W)*x + (s*B+t));
//   - hard-swish becomes x*HardSigmoid(x) with alpha 1/6 and beta 1/2
//     (clip(x+3, 0, 6)/6 = clip(x/6+1/2, 0, 1)), two operations for four;
//   - a scale before a convolution goes into its weights, and a shift too
//     when the convolution pads nothing (W*(c*h+d) = (c*W)*h + d*sum(W));
//     with padding the shift stays, divided by the scale, so that the
//     zeros padded in are still zeros.
//
// What changes is only the order of float operations: the outputs agree
// to rounding (TestFusedModelReadsTheSame).

// The ONNX protobuf fields fuseModel reads and writes (onnx.proto).
const (
	modelGraph = 7

	graphNode   = 1
	graphOutput = 12
	valueName   = 1

	nodeInput  = 1
	nodeOutput = 2
	nodeName   = 3
	nodeOp     = 4
	nodeAttr   = 5

	attrName   = 1
	attrF      = 2
	attrT      = 5
	attrInts   = 8
	attrType   = 20
	attrFloat  = 1 // AttributeProto.FLOAT
	attrTensor = 4 // AttributeProto.TENSOR

	tensorDims     = 1
	tensorDataType = 2
	tensorFloats   = 4
	tensorName     = 8
	tensorRaw      = 9
	tensorFloat32  = 1 // TensorProto.FLOAT
)

// field is one protobuf field as it was encoded.
type field struct {
	num protowire.Number
	typ protowire.Type
	raw []byte // the whole field, tag included
	val []byte // a length-delimited field's bytes
	n   uint64 // a varint field's value
}

func parseFields(b []byte) ([]field, error) {
	var out []field
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return nil, protowire.ParseError(m)
		}
		f := field{num: num, typ: typ, raw: b[:n+m]}
		switch typ {
		case protowire.BytesType:
			f.val, _ = protowire.ConsumeBytes(b[n:])
		case protowire.VarintType:
			f.n, _ = protowire.ConsumeVarint(b[n:])
		}
		out = append(out, f)
		b = b[n+m:]
	}
	return out, nil
}

// onnxNode is one NodeProto: its inputs, outputs and operator, and its
// fields as encoded (kept as they are unless the node is rewritten).
type onnxNode struct {
	op       string
	in, out  []string
	attrs    []field // the AttributeProto fields
	fields   []field
	raw      []byte // the graph's field that holds the node, as encoded
	rewrite  bool   // encode anew from op, in, out and attrs
	dropped  bool
	constVal *constant // a Constant node's float tensor
}

// constant is a float32 tensor: raw is its little-endian data (in the
// model's bytes), v its values once decoded. An owned constant is one
// fuseModel made, whose values it may change in place.
type constant struct {
	dims  []int64
	raw   []byte
	v     []float32
	owned bool
}

// values decodes c's values.
func (c *constant) values() []float32 {
	if c.v == nil {
		c.v = c.decode()
	}
	return c.v
}

// decode is a fresh copy of c's values.
func (c *constant) decode() []float32 {
	if c.v != nil {
		return append([]float32(nil), c.v...)
	}
	v := make([]float32, len(c.raw)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(c.raw[4*i:]))
	}
	return v
}

// size is the number of c's values.
func (c *constant) size() int {
	if c.v != nil {
		return len(c.v)
	}
	return len(c.raw) / 4
}

func parseNode(b []byte) (*onnxNode, error) {
	fs, err := parseFields(b)
	if err != nil {
		return nil, err
	}
	n := &onnxNode{fields: fs}
	for _, f := range fs {
		switch f.num {
		case nodeInput:
			n.in = append(n.in, string(f.val))
		case nodeOutput:
			n.out = append(n.out, string(f.val))
		case nodeOp:
			n.op = string(f.val)
		case nodeAttr:
			n.attrs = append(n.attrs, f)
		}
	}
	if n.op == "Constant" {
		for _, a := range n.attrs {
			if t, ok := attrTensorOf(a.val, "value"); ok {
				n.constVal, _ = parseTensor(t) // not a float tensor: left alone
			}
		}
	}
	return n, nil
}

// attrTensorOf is the tensor of attribute a when it is called name.
func attrTensorOf(a []byte, name string) ([]byte, bool) {
	fs, err := parseFields(a)
	if err != nil {
		return nil, false
	}
	var named bool
	var t []byte
	for _, f := range fs {
		switch f.num {
		case attrName:
			named = string(f.val) == name
		case attrT:
			t = f.val
		}
	}
	return t, named && t != nil
}

func parseTensor(b []byte) (*constant, error) {
	fs, err := parseFields(b)
	if err != nil {
		return nil, err
	}
	c := &constant{}
	typ := uint64(0)
	var raw, packed []byte
	for _, f := range fs {
		switch f.num {
		case tensorDims:
			if f.typ == protowire.VarintType {
				c.dims = append(c.dims, int64(f.n))
			} else {
				for v := f.val; len(v) > 0; {
					x, n := protowire.ConsumeVarint(v)
					if n < 0 {
						return nil, protowire.ParseError(n)
					}
					c.dims = append(c.dims, int64(x))
					v = v[n:]
				}
			}
		case tensorDataType:
			typ = f.n
		case tensorRaw:
			raw = f.val
		case tensorFloats:
			if f.typ == protowire.BytesType {
				packed = append(packed, f.val...)
			} else {
				return nil, errors.New("unpacked float_data")
			}
		}
	}
	if typ != tensorFloat32 {
		return nil, fmt.Errorf("tensor of type %d", typ)
	}
	if raw == nil {
		raw = packed
	}
	if len(raw)%4 != 0 {
		return nil, errors.New("tensor data not a whole number of floats")
	}
	c.raw = raw
	size := int64(1)
	for _, d := range c.dims {
		size *= d
	}
	if size != int64(c.size()) {
		return nil, fmt.Errorf("tensor of %d values for dims %v", c.size(), c.dims)
	}
	return c, nil
}

// scalar tells whether c holds one value, and which.
func (c *constant) scalar() (float32, bool) {
	if c == nil || c.size() != 1 {
		return 0, false
	}
	return c.values()[0], true
}

func encodeTensor(name string, c *constant) []byte {
	var b []byte
	for _, d := range c.dims {
		b = protowire.AppendTag(b, tensorDims, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(d))
	}
	b = protowire.AppendTag(b, tensorDataType, protowire.VarintType)
	b = protowire.AppendVarint(b, tensorFloat32)
	b = protowire.AppendTag(b, tensorName, protowire.BytesType)
	b = protowire.AppendString(b, name)
	raw := make([]byte, 4*len(c.v))
	for i, v := range c.v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	b = protowire.AppendTag(b, tensorRaw, protowire.BytesType)
	return protowire.AppendBytes(b, raw)
}

func appendField(b []byte, num protowire.Number, val []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, val)
}

func encodeAttr(name string, typ uint64, num protowire.Number, payload func([]byte) []byte) field {
	var a []byte
	a = appendField(a, attrName, []byte(name))
	a = payload(a)
	a = protowire.AppendTag(a, attrType, protowire.VarintType)
	a = protowire.AppendVarint(a, typ)
	return field{num: nodeAttr, typ: protowire.BytesType, val: a}
}

func floatAttr(name string, v float32) field {
	return encodeAttr(name, attrFloat, attrF, func(b []byte) []byte {
		b = protowire.AppendTag(b, attrF, protowire.Fixed32Type)
		return protowire.AppendFixed32(b, math.Float32bits(v))
	})
}

// constantNode is a new Constant node of c, which encode writes as c
// holds it then.
func constantNode(name string, c *constant) *onnxNode {
	return &onnxNode{op: "Constant", out: []string{name}, rewrite: true, constVal: c}
}

// encode is n as the graph's field that holds it.
func (n *onnxNode) encode() []byte {
	if !n.rewrite {
		return n.raw
	}
	if n.op == "Constant" && n.constVal != nil && n.constVal.owned {
		t := encodeTensor(n.out[0], n.constVal)
		n.attrs = []field{encodeAttr("value", attrTensor, attrT, func(b []byte) []byte { return appendField(b, attrT, t) })}
	}
	var b []byte
	for _, s := range n.in {
		b = appendField(b, nodeInput, []byte(s))
	}
	for _, s := range n.out {
		b = appendField(b, nodeOutput, []byte(s))
	}
	for _, f := range n.fields {
		if f.num == nodeName {
			b = append(b, f.raw...)
		}
	}
	b = appendField(b, nodeOp, []byte(n.op))
	for _, a := range n.attrs {
		b = appendField(b, nodeAttr, a.val)
	}
	return appendField(nil, graphNode, b)
}

// attrFloats gives a node's float attribute and its ints attributes.
func (n *onnxNode) attrFloat(name string) (float32, bool) {
	for _, a := range n.attrs {
		fs, err := parseFields(a.val)
		if err != nil {
			continue
		}
		named, v, has := false, float32(0), false
		for _, f := range fs {
			switch {
			case f.num == attrName:
				named = string(f.val) == name
			case f.num == attrF && f.typ == protowire.Fixed32Type:
				x, _ := protowire.ConsumeFixed32(f.raw[protowire.SizeTag(attrF):])
				v, has = math.Float32frombits(x), true
			}
		}
		if named && has {
			return v, true
		}
	}
	return 0, false
}

// padsNothing tells whether a Conv node pads nothing: no pads, or all 0,
// and no auto_pad.
func (n *onnxNode) padsNothing() bool {
	for _, a := range n.attrs {
		fs, err := parseFields(a.val)
		if err != nil {
			return false
		}
		name := ""
		for _, f := range fs {
			if f.num == attrName {
				name = string(f.val)
			}
		}
		switch name {
		case "auto_pad":
			return false
		case "pads":
			for _, f := range fs {
				if f.num != attrInts {
					continue
				}
				if f.typ == protowire.VarintType && f.n != 0 {
					return false
				}
				if f.typ == protowire.BytesType {
					for _, c := range f.val {
						if c != 0 {
							return false
						}
					}
				}
			}
		}
	}
	return true
}

// graph is the model's node list with what fuseModel needs to look up.
type graph struct {
	nodes    []*onnxNode
	consts   map[string]*constant
	users    map[string][]*onnxNode
	outputs  map[string]bool
	names    map[string]bool
	fused    int
	newConst []*onnxNode
}

// only is the one node that reads name, or nil when it is read by more
// or by none, or is an output of the graph.
func (g *graph) only(name string) *onnxNode {
	us := g.users[name]
	if len(us) != 1 || g.outputs[name] {
		return nil
	}
	return us[0]
}

// scalarArg tells whether node n (Mul, Add, Div) combines x with a scalar
// constant, and which.
func (g *graph) scalarArg(n *onnxNode, x string) (float32, bool) {
	if len(n.in) != 2 {
		return 0, false
	}
	other := n.in[1]
	if n.in[1] == x {
		if n.op == "Div" {
			return 0, false
		}
		other = n.in[0]
	} else if n.in[0] != x {
		return 0, false
	}
	return g.consts[other].scalar()
}

// newName is an unused tensor name from base.
func (g *graph) newName(base string) string {
	for i := 0; ; i++ {
		s := fmt.Sprintf("%s.fused%d", base, i)
		if !g.names[s] {
			g.names[s] = true
			return s
		}
	}
}

// convWeights is the weight and bias of Conv node n, the bias zeros when
// n has none, as constants of its own that may be changed in place (the
// first call makes them), or false when they are not constants.
func (g *graph) convWeights(n *onnxNode) (w, b *constant, ok bool) {
	if n.op != "Conv" || len(n.in) < 2 || len(n.in) > 3 {
		return nil, nil, false
	}
	w0 := g.consts[n.in[1]]
	if w0 == nil || len(w0.dims) != 4 || w0.dims[0] < 1 || w0.size()%int(w0.dims[0]) != 0 {
		return nil, nil, false
	}
	var b0 *constant
	if len(n.in) == 3 {
		if b0 = g.consts[n.in[2]]; b0 == nil || int64(b0.size()) != w0.dims[0] {
			return nil, nil, false
		}
	}
	if w0.owned && b0 != nil && b0.owned {
		return w0, b0, true
	}
	w = &constant{dims: w0.dims, v: w0.decode(), owned: true}
	b = &constant{dims: []int64{w0.dims[0]}, v: make([]float32, w0.dims[0]), owned: true}
	if b0 != nil {
		copy(b.v, b0.values())
	}
	wn, bn := constantNode(g.newName(n.in[1]), w), constantNode(g.newName(n.in[1]+".bias"), b)
	g.newConst = append(g.newConst, wn, bn)
	g.consts[wn.out[0]], g.consts[bn.out[0]] = w, b
	n.in = []string{n.in[0], wn.out[0], bn.out[0]}
	n.rewrite = true
	return w, b, true
}

// drop removes node n, whose one input x its readers read instead.
func (g *graph) bypass(n *onnxNode, x string) {
	n.dropped = true
	out := n.out[0]
	for _, u := range g.users[out] {
		for i, s := range u.in {
			if s == out {
				u.in[i] = x
				u.rewrite = true
			}
		}
		g.users[x] = append(g.users[x], u)
	}
	us := g.users[x][:0]
	for _, u := range g.users[x] {
		if u != n {
			us = append(us, u)
		}
	}
	g.users[x] = us
	delete(g.users, out)
	g.fused++
}

// foldAfterConv takes into Conv node n the scalar Muls and Adds that
// follow it.
func (g *graph) foldAfterConv(n *onnxNode) {
	for {
		if len(n.out) != 1 {
			return
		}
		y := n.out[0]
		u := g.only(y)
		if u == nil || (u.op != "Mul" && u.op != "Add") {
			return
		}
		s, ok := g.scalarArg(u, y)
		if !ok {
			return
		}
		w, b, ok := g.convWeights(n)
		if !ok {
			return
		}
		if u.op == "Mul" {
			for i := range w.v {
				w.v[i] *= s
			}
			for i := range b.v {
				b.v[i] *= s
			}
		} else {
			for i := range b.v {
				b.v[i] += s
			}
		}
		g.bypass(u, y)
	}
}

// hardSwish turns x*clip(x+3, 0, 6)/6 starting at Add node n into
// x*HardSigmoid(x).
func (g *graph) hardSwish(n *onnxNode) {
	if n.op != "Add" || len(n.in) != 2 || len(n.out) != 1 {
		return
	}
	for _, x := range n.in {
		if three, ok := g.scalarArg(n, x); !ok || three != 3 {
			continue
		}
		clip := g.only(n.out[0])
		if clip == nil || clip.op != "Clip" || len(clip.in) != 1 || len(clip.out) != 1 {
			return
		}
		if lo, ok := clip.attrFloat("min"); !ok || lo != 0 {
			return
		}
		if hi, ok := clip.attrFloat("max"); !ok || hi != 6 {
			return
		}
		mul := g.only(clip.out[0])
		if mul == nil || mul.op != "Mul" || len(mul.in) != 2 || len(mul.out) != 1 {
			return
		}
		if !(mul.in[0] == x && mul.in[1] == clip.out[0] || mul.in[1] == x && mul.in[0] == clip.out[0]) {
			return
		}
		div := g.only(mul.out[0])
		if div == nil || div.op != "Div" {
			return
		}
		if six, ok := g.scalarArg(div, mul.out[0]); !ok || six != 6 {
			return
		}
		// x -> Add -> Clip -> Mul(x) -> Div becomes x -> HardSigmoid ->
		// Mul(x), under the Clip's and the Div's output names.
		clip.op = "HardSigmoid"
		clip.in = []string{x}
		clip.attrs = []field{floatAttr("alpha", 1.0/6), floatAttr("beta", 0.5)}
		clip.rewrite = true
		g.users[x] = append(g.users[x], clip)
		n.dropped = true
		g.users[x] = without(g.users[x], n)
		mul.out = div.out
		mul.rewrite = true
		div.dropped = true
		g.fused += 2
		return
	}
}

func without(ns []*onnxNode, n *onnxNode) []*onnxNode {
	out := ns[:0]
	for _, u := range ns {
		if u != n {
			out = append(out, u)
		}
	}
	return out
}

// foldBeforeConv takes into the Conv that reads it the scalar scale and
// shift (Mul then Add) at Mul node n.
func (g *graph) foldBeforeConv(n *onnxNode) {
	if n.op != "Mul" || len(n.in) != 2 || len(n.out) != 1 {
		return
	}
	add := g.only(n.out[0])
	if add == nil || add.op != "Add" || len(add.out) != 1 {
		return
	}
	d, ok := g.scalarArg(add, n.out[0])
	if !ok {
		return
	}
	conv := g.only(add.out[0])
	if conv == nil || conv.op != "Conv" || conv.in[0] != add.out[0] {
		return
	}
	for _, h := range n.in {
		c, ok := g.scalarArg(n, h)
		if !ok || c == 0 {
			continue
		}
		w, b, ok := g.convWeights(conv)
		if !ok {
			return
		}
		for i := range w.v {
			w.v[i] *= c
		}
		if conv.padsNothing() {
			// W*(h+d/c) = W*h + (d/c)*sum(W), per output channel.
			per := len(w.v) / len(b.v)
			for o := range b.v {
				sum := float64(0)
				for _, v := range w.v[o*per : (o+1)*per] {
					sum += float64(v)
				}
				b.v[o] += float32(float64(d) / float64(c) * sum)
			}
			g.bypass(add, n.out[0])
			g.bypass(n, h)
			return
		}
		// Keep the shift, over the scale: h + d/c.
		sh := constantNode(g.newName(add.out[0]+".shift"), &constant{v: []float32{d / c}, owned: true})
		g.newConst = append(g.newConst, sh)
		g.consts[sh.out[0]] = sh.constVal
		add.in = []string{h, sh.out[0]}
		add.rewrite = true
		g.users[h] = append(without(g.users[h], n), add)
		n.dropped = true
		g.fused++
		return
	}
}

// fuseModel rewrites an ONNX model (see above) and says how many
// operations it removed. A graph it does not understand comes back as it
// was.
func fuseModel(model []byte) ([]byte, int, error) {
	top, err := parseFields(model)
	if err != nil {
		return nil, 0, fmt.Errorf("model: %w", err)
	}
	gi := -1
	for i, f := range top {
		if f.num == modelGraph {
			gi = i
		}
	}
	if gi < 0 {
		return nil, 0, errors.New("model has no graph")
	}
	gfs, err := parseFields(top[gi].val)
	if err != nil {
		return nil, 0, fmt.Errorf("model graph: %w", err)
	}
	g := &graph{consts: map[string]*constant{}, users: map[string][]*onnxNode{}, outputs: map[string]bool{}, names: map[string]bool{}}
	var rest []byte
	for _, f := range gfs {
		switch f.num {
		case graphNode:
			n, err := parseNode(f.val)
			if err != nil {
				return nil, 0, fmt.Errorf("model node: %w", err)
			}
			n.raw = f.raw
			g.nodes = append(g.nodes, n)
			continue
		case graphOutput:
			vs, err := parseFields(f.val)
			if err != nil {
				return nil, 0, fmt.Errorf("model output: %w", err)
			}
			for _, v := range vs {
				if v.num == valueName {
					g.outputs[string(v.val)] = true
				}
			}
		}
		rest = append(rest, f.raw...)
	}
	for _, n := range g.nodes {
		for _, s := range n.in {
			g.users[s] = append(g.users[s], n)
			g.names[s] = true
		}
		for _, s := range n.out {
			g.names[s] = true
		}
		if n.constVal != nil && len(n.out) == 1 {
			g.consts[n.out[0]] = n.constVal
		}
	}
	for _, n := range g.nodes {
		if !n.dropped && n.op == "Conv" {
			g.foldAfterConv(n)
		}
	}
	for _, n := range g.nodes {
		if !n.dropped {
			g.hardSwish(n)
		}
	}
	for _, n := range g.nodes {
		if !n.dropped {
			g.foldBeforeConv(n)
		}
	}
	// The new constants first: a node's inputs must come before it.
	var parts [][]byte
	for _, n := range g.newConst {
		if usedBy(g.nodes, n.out[0]) {
			parts = append(parts, n.encode())
		}
	}
	for _, n := range g.nodes {
		if n.dropped {
			continue
		}
		if n.op == "Constant" && len(n.out) == 1 && !usedBy(g.nodes, n.out[0]) && !g.outputs[n.out[0]] {
			continue // weights replaced by fused ones
		}
		parts = append(parts, n.encode())
	}
	parts = append(parts, rest)
	size := 0
	for _, p := range parts {
		size += len(p)
	}
	// One allocation of the model's size: the weights are most of it.
	out := make([]byte, 0, len(model)-len(top[gi].raw)+protowire.SizeTag(modelGraph)+protowire.SizeVarint(uint64(size))+size)
	for i, f := range top {
		if i != gi {
			out = append(out, f.raw...)
			continue
		}
		out = protowire.AppendTag(out, modelGraph, protowire.BytesType)
		out = protowire.AppendVarint(out, uint64(size))
		for _, p := range parts {
			out = append(out, p...)
		}
	}
	return out, g.fused, nil
}

// usedBy tells whether a kept node of ns reads name.
func usedBy(ns []*onnxNode, name string) bool {
	for _, n := range ns {
		if n.dropped {
			continue
		}
		for _, s := range n.in {
			if s == name {
				return true
			}
		}
	}
	return false
}
