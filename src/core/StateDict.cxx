// SPDX-License-Identifier: Apache-2.0
#include "sinus/StateDict.h"

#include "sinus/ZipDirectory.h"

#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

namespace sinus
{
namespace
{

/** A value on the unpickler's stack. Values are owned by the unpickler's arena and refer to each
 *  other by plain pointers, so the memo can alias containers and a hostile pickle that makes a
 *  container hold itself cannot leak them (reference counting would: found by fuzzing). */
struct Value
{
  enum class Kind
  {
    None,
    Bool,
    Int,
    Float,
    String,
    Tuple,
    List,
    Dict,
    Global,
    Storage,
    Tensor,
    Mark
  };
  Kind                                 kind = Kind::None;
  int64_t                              integer = 0;
  double                               real = 0;
  std::string                          text; // String, Global ("module.name"), Storage key
  std::vector<Value *>                 items;
  std::vector<std::pair<Value *, Value *>> entries;
  torch::Tensor                        tensor; // Storage (1-D, flat) and Tensor
};
using ValuePtr = Value *;

const std::map<std::string, torch::ScalarType> kStorageTypes = {
  { "torch.FloatStorage", torch::kFloat32 },   { "torch.DoubleStorage", torch::kFloat64 },
  { "torch.HalfStorage", torch::kFloat16 },    { "torch.BFloat16Storage", torch::kBFloat16 },
  { "torch.LongStorage", torch::kInt64 },      { "torch.IntStorage", torch::kInt32 },
  { "torch.ShortStorage", torch::kInt16 },     { "torch.CharStorage", torch::kInt8 },
  { "torch.ByteStorage", torch::kUInt8 },      { "torch.BoolStorage", torch::kBool },
};

class RestrictedUnpickler
{
public:
  RestrictedUnpickler(const std::string & data, const std::function<std::string(const std::string &)> & storage,
                      const std::string & source)
    : m_Data(data)
    , m_Storage(storage)
    , m_Source(source)
  {}

  ValuePtr Run()
  {
    while (true)
    {
      const size_t  at = m_Pos;
      const uint8_t op = Byte();
      if (op == '.') // STOP
      {
        if (m_Stack.size() != 1)
          Fail(at, "malformed pickle (stack holds " + std::to_string(m_Stack.size()) + " values at STOP)");
        return m_Stack.back();
      }
      if (!(FramingOps(op, at) || MemoOps(op, at) || ContainerOps(op, at) || ScalarOps(op, at) || ObjectOps(op, at)))
        Unsupported(op, at);
    }
  }

private:
  /** Protocol and frame markers, and the few globals a state dict names. */
  bool FramingOps(uint8_t op, size_t at)
  {
    switch (op)
    {
    case 0x80: // PROTO
      Byte();
      return true;
    case 0x95: // FRAME
      Bytes(8);
      return true;
    case 'c': // GLOBAL
    {
      const std::string module = Line(), name = Line();
      const std::string full = module + "." + name;
      if (full != "collections.OrderedDict" && full != "torch._utils._rebuild_tensor_v2" &&
          full != "torch._utils._rebuild_parameter" && !kStorageTypes.count(full))
      {
        Fail(at, "refuses the global '" + full + "': a state dict holds only tensors, and nothing in a checkpoint is executed");
      }
      auto g = Make(Value::Kind::Global);
      g->text = full;
      Push(g);
      return true;
    }
      default:
        return false;
    }
  }

  /** The memo: values remembered and fetched again. */
  bool MemoOps(uint8_t op, size_t at)
  {
    switch (op)
    {
    case 'q': // BINPUT
      m_Memo[Byte()] = Top(at);
      return true;
    case 'r': // LONG_BINPUT
      m_Memo[UInt32()] = Top(at);
      return true;
    case 0x94: // MEMOIZE
      m_Memo[static_cast<int64_t>(m_Memo.size())] = Top(at);
      return true;
    case 'h': // BINGET
      Push(Memo(at, Byte()));
      return true;
    case 'j': // LONG_BINGET
      Push(Memo(at, UInt32()));
      return true;
      default:
        return false;
    }
  }

  /** Empty containers, marks and tuples. */
  bool ContainerOps(uint8_t op, size_t at)
  {
    switch (op)
    {
    case ')':
      Push(Make(Value::Kind::Tuple));
      return true;
    case '}':
      Push(Make(Value::Kind::Dict));
      return true;
    case ']':
      Push(Make(Value::Kind::List));
      return true;
    case '(':
      Push(Make(Value::Kind::Mark));
      return true;
    case 't': // TUPLE
    {
      auto t = Make(Value::Kind::Tuple);
      t->items = PopToMark(at);
      Push(t);
      return true;
    }
    case 0x85:
    case 0x86:
    case 0x87: // TUPLE1..3
    {
      auto         t = Make(Value::Kind::Tuple);
      const size_t n = op - 0x84u;
      if (m_Stack.size() < n)
        Fail(at, "stack underflow");
      t->items.assign(m_Stack.end() - static_cast<std::ptrdiff_t>(n), m_Stack.end());
      m_Stack.resize(m_Stack.size() - n);
      Push(t);
      return true;
    }
      default:
        return false;
    }
  }

  /** Strings, integers, floats, booleans, None. */
  bool ScalarOps(uint8_t op, size_t at)
  {
    switch (op)
    {
    case 'X': // BINUNICODE
    {
      auto s = Make(Value::Kind::String);
      s->text = Bytes(UInt32());
      Push(s);
      return true;
    }
    case 0x8c: // SHORT_BINUNICODE
    {
      auto s = Make(Value::Kind::String);
      s->text = Bytes(Byte());
      Push(s);
      return true;
    }
    case 'K':
      PushInt(Byte());
      return true;
    case 'M':
    {
      const uint8_t lo = Byte(), hi = Byte();
      PushInt(lo | (hi << 8));
      return true;
    }
    case 'J':
      PushInt(static_cast<int32_t>(UInt32()));
      return true;
    case 0x8a: // LONG1
    {
      const size_t n = Byte();
      if (n > 8)
        Fail(at, "integer of " + std::to_string(n) + " bytes");
      const std::string b = Bytes(n);
      int64_t           v = 0;
      for (size_t i = 0; i < n; ++i)
        v |= static_cast<int64_t>(static_cast<uint8_t>(b[i])) << (8 * i);
      if (n > 0 && n < 8 && (static_cast<uint8_t>(b[n - 1]) & 0x80))
        v -= int64_t{ 1 } << (8 * n); // two's complement sign
      PushInt(v);
      return true;
    }
    case 'G': // BINFLOAT, big-endian
    {
      const std::string b = Bytes(8);
      uint64_t          bits = 0;
      for (int i = 0; i < 8; ++i)
        bits = (bits << 8) | static_cast<uint8_t>(b[static_cast<size_t>(i)]);
      auto f = Make(Value::Kind::Float);
      std::memcpy(&f->real, &bits, 8);
      Push(f);
      return true;
    }
    case 0x88:
    case 0x89: // NEWTRUE, NEWFALSE
    {
      auto b = Make(Value::Kind::Bool);
      b->integer = op == 0x88;
      Push(b);
      return true;
    }
    case 'N':
      Push(Make(Value::Kind::None));
      return true;
      default:
        return false;
    }
  }

  /** Tensors rebuilt, dicts and lists filled, the state dict's own attributes. */
  bool ObjectOps(uint8_t op, size_t at)
  {
    switch (op)
    {
    case 'R': // REDUCE
    {
      ValuePtr args = Pop(at), callable = Pop(at);
      Push(Reduce(at, callable, args));
      return true;
    }
    case 'Q': // BINPERSID
      Push(PersistentLoad(at, Pop(at)));
      return true;
    case 's': // SETITEM
    {
      ValuePtr value = Pop(at), key = Pop(at);
      DictOnTop(at)->entries.emplace_back(key, value);
      return true;
    }
    case 'u': // SETITEMS
    {
      const auto items = PopToMark(at);
      if (items.size() % 2)
        Fail(at, "odd number of items for SETITEMS");
      ValuePtr dict = DictOnTop(at);
      for (size_t i = 0; i < items.size(); i += 2)
        dict->entries.emplace_back(items[i], items[i + 1]);
      return true;
    }
    case 'a': // APPEND
    {
      ValuePtr value = Pop(at);
      ListOnTop(at)->items.push_back(value);
      return true;
    }
    case 'e': // APPENDS
    {
      const auto items = PopToMark(at);
      ValuePtr   list = ListOnTop(at);
      list->items.insert(list->items.end(), items.begin(), items.end());
      return true;
    }
    case 'b': // BUILD: an OrderedDict's __dict__ (the `_metadata` versions); checked, not applied
    {
      ValuePtr state = Pop(at);
      if (Top(at)->kind != Value::Kind::Dict || (state->kind != Value::Kind::Dict && state->kind != Value::Kind::None))
        Fail(at, "BUILD is only accepted for the state dict's own attributes");
      return true;
    }
      default:
        return false;
    }
  }

  [[noreturn]] void Unsupported(uint8_t op, size_t at) const
  {
    std::ostringstream s;
    s << "unsupported pickle opcode 0x" << std::hex << static_cast<int>(op) << " (only the opcodes of a state dict are accepted)";
    Fail(at, s.str());
  }

  [[noreturn]] void Fail(size_t at, const std::string & problem) const
  {
    throw CheckpointError(m_Source + ": " + problem + " (pickle offset " + std::to_string(at) + ")");
  }
  uint8_t Byte()
  {
    if (m_Pos >= m_Data.size())
      Fail(m_Pos, "truncated pickle");
    return static_cast<uint8_t>(m_Data[m_Pos++]);
  }
  uint32_t UInt32()
  {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v |= static_cast<uint32_t>(Byte()) << (8 * i);
    return v;
  }
  std::string Bytes(size_t n)
  {
    if (m_Pos + n > m_Data.size())
      Fail(m_Pos, "truncated pickle");
    std::string s = m_Data.substr(m_Pos, n);
    m_Pos += n;
    return s;
  }
  std::string Line()
  {
    const size_t end = m_Data.find('\n', m_Pos);
    if (end == std::string::npos)
      Fail(m_Pos, "truncated pickle");
    std::string s = m_Data.substr(m_Pos, end - m_Pos);
    m_Pos = end + 1;
    return s;
  }
  void     Push(ValuePtr v) { m_Stack.push_back(std::move(v)); }
  void     PushInt(int64_t i)
  {
    auto v = Make(Value::Kind::Int);
    v->integer = i;
    Push(v);
  }
  ValuePtr Top(size_t at) const
  {
    if (m_Stack.empty())
      Fail(at, "stack underflow");
    return m_Stack.back();
  }
  ValuePtr Pop(size_t at)
  {
    ValuePtr v = Top(at);
    m_Stack.pop_back();
    if (v->kind == Value::Kind::Mark)
      Fail(at, "unexpected MARK");
    return v;
  }
  ValuePtr Memo(size_t at, int64_t key) const
  {
    const auto it = m_Memo.find(key);
    if (it == m_Memo.end())
      Fail(at, "memo key " + std::to_string(key) + " not defined");
    return it->second;
  }
  std::vector<ValuePtr> PopToMark(size_t at)
  {
    for (size_t i = m_Stack.size(); i-- > 0;)
    {
      if (m_Stack[i]->kind == Value::Kind::Mark)
      {
        std::vector<ValuePtr> items(m_Stack.begin() + static_cast<std::ptrdiff_t>(i) + 1, m_Stack.end());
        m_Stack.resize(i);
        return items;
      }
    }
    Fail(at, "MARK missing");
  }
  ValuePtr DictOnTop(size_t at) const
  {
    ValuePtr d = Top(at);
    if (d->kind != Value::Kind::Dict)
      Fail(at, "SETITEM on something that is not a dict");
    return d;
  }
  ValuePtr ListOnTop(size_t at) const
  {
    ValuePtr l = Top(at);
    if (l->kind != Value::Kind::List)
      Fail(at, "APPEND on something that is not a list");
    return l;
  }

  std::vector<int64_t> Integers(size_t at, const ValuePtr & tuple, const char * what) const
  {
    if (tuple->kind != Value::Kind::Tuple)
      Fail(at, std::string(what) + " must be a tuple");
    std::vector<int64_t> out;
    for (const auto & item : tuple->items)
    {
      if (item->kind != Value::Kind::Int)
        Fail(at, std::string(what) + " must hold integers");
      out.push_back(item->integer);
    }
    return out;
  }

  ValuePtr PersistentLoad(size_t at, const ValuePtr & id)
  {
    // ('storage', <storage type>, key, location, numel)
    if (id->kind != Value::Kind::Tuple || id->items.size() != 5 || id->items[0]->kind != Value::Kind::String ||
        id->items[0]->text != "storage" || id->items[1]->kind != Value::Kind::Global ||
        id->items[2]->kind != Value::Kind::String || id->items[4]->kind != Value::Kind::Int)
    {
      Fail(at, "unexpected persistent id (a state dict references only tensor storages)");
    }
    const auto type = kStorageTypes.find(id->items[1]->text);
    if (type == kStorageTypes.end())
      Fail(at, "persistent id names '" + id->items[1]->text + "', not a storage type");
    const std::string & key = id->items[2]->text;
    const int64_t       numel = id->items[4]->integer;
    auto                cached = m_Storages.find(key);
    if (cached != m_Storages.end())
      return cached->second;
    const std::string bytes = m_Storage(key);
    const size_t      elementSize = c10::elementSize(type->second);
    if (numel < 0 || bytes.size() % elementSize != 0 || bytes.size() / elementSize != static_cast<uint64_t>(numel))
    {
      Fail(at, "storage data/" + key + " holds " + std::to_string(bytes.size()) + " bytes, expected " +
                 std::to_string(numel) + " x " + std::to_string(elementSize) + " (truncated or corrupt checkpoint)");
    }
    auto storage = Make(Value::Kind::Storage);
    storage->text = key;
    storage->tensor = torch::empty({ numel }, torch::TensorOptions().dtype(type->second));
    if (!bytes.empty())
      std::memcpy(storage->tensor.data_ptr(), bytes.data(), bytes.size());
    m_Storages[key] = storage;
    return storage;
  }

  ValuePtr Reduce(size_t at, const ValuePtr & callable, const ValuePtr & args)
  {
    if (callable->kind != Value::Kind::Global || args->kind != Value::Kind::Tuple)
      Fail(at, "REDUCE needs an accepted global and an argument tuple");
    const std::string & name = callable->text;
    if (name == "collections.OrderedDict")
    {
      if (!args->items.empty())
        Fail(at, "OrderedDict with constructor arguments");
      return Make(Value::Kind::Dict);
    }
    if (name == "torch._utils._rebuild_tensor_v2")
    {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (args->items.size() < 6 || args->items[0]->kind != Value::Kind::Storage || args->items[1]->kind != Value::Kind::Int)
        Fail(at, "malformed _rebuild_tensor_v2 arguments");
      const auto    size = Integers(at, args->items[2], "tensor size");
      const auto    stride = Integers(at, args->items[3], "tensor stride");
      const int64_t offset = args->items[1]->integer;
      if (size.size() != stride.size())
        Fail(at, "tensor size and stride differ in length");
      // The last element the view reaches, computed so that no size or stride can overflow it:
      // every step is checked against the storage's length, which is at most the file's size.
      const int64_t storageLength = args->items[0]->tensor.numel();
      if (offset < 0 || offset > storageLength)
        Fail(at, "tensor view exceeds its storage");
      int64_t last = offset;
      bool    empty = false;
      for (size_t d = 0; d < size.size(); ++d)
      {
        if (size[d] < 0 || stride[d] < 0)
          Fail(at, "negative tensor size or stride");
        empty |= size[d] == 0;
        if (size[d] > 1 && stride[d] > 0 && (size[d] - 1 > storageLength / stride[d] || last > storageLength - (size[d] - 1) * stride[d]))
          Fail(at, "tensor view exceeds its storage");
        if (size[d] > 1)
          last += (size[d] - 1) * stride[d];
      }
      if (!empty && last >= storageLength)
        Fail(at, "tensor view exceeds its storage");
      auto                t = Make(Value::Kind::Tensor);
      const torch::Tensor view = args->items[0]->tensor.as_strided(size, stride, offset);
      // A tensor that is its whole storage (every parameter torch.save writes) keeps that memory;
      // a part of a larger storage is copied out, so that it never holds the rest alive.
      t->tensor = OwnsWholeStorage(view) ? view : view.clone();
      return t;
    }
    if (name == "torch._utils._rebuild_parameter")
    {
      if (args->items.empty() || args->items[0]->kind != Value::Kind::Tensor)
        Fail(at, "malformed _rebuild_parameter arguments");
      return args->items[0];
    }
    Fail(at, "'" + name + "' cannot be called");
  }

  ValuePtr Make(Value::Kind kind)
  {
    m_Arena.push_back(std::make_unique<Value>());
    m_Arena.back()->kind = kind;
    return m_Arena.back().get();
  }

  std::vector<std::unique_ptr<Value>>                 m_Arena; // every value, freed with the unpickler
  const std::string &                                 m_Data;
  const std::function<std::string(const std::string &)> & m_Storage;
  const std::string &                                 m_Source;
  size_t                                              m_Pos = 0;
  std::vector<ValuePtr>                               m_Stack;
  std::map<int64_t, ValuePtr>                         m_Memo;
  std::map<std::string, ValuePtr>                     m_Storages;
};

} // namespace

bool
OwnsWholeStorage(const torch::Tensor & tensor)
{
  return tensor.is_contiguous() && tensor.storage_offset() == 0 &&
         tensor.storage().nbytes() == static_cast<size_t>(tensor.numel()) * tensor.element_size();
}

StateDict
UnpickleStateDict(const std::string & pickle, const std::function<std::string(const std::string &)> & storage,
                  const std::string & source)
{
  RestrictedUnpickler unpickler(pickle, storage, source);
  const ValuePtr      root = unpickler.Run();
  if (root->kind != Value::Kind::Dict)
  {
    throw CheckpointError(source + ": the checkpoint does not hold a state dict (a dict of tensors)");
  }
  StateDict result;
  for (const auto & [key, value] : root->entries)
  {
    if (key->kind != Value::Kind::String || value->kind != Value::Kind::Tensor)
    {
      throw CheckpointError(source + ": the state dict holds an entry that is not name -> tensor" +
                            (key->kind == Value::Kind::String ? " ('" + key->text + "')" : std::string()));
    }
    result.emplace_back(key->text, value->tensor);
  }
  return result;
}

StateDict
LoadStateDict(const std::string & path)
{
  if (!std::filesystem::exists(path))
  {
    throw CheckpointError(path + ": checkpoint not found");
  }
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
  try
  {
    RequireBoundedZipArchive(path);
    reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
  }
  catch (const ZipArchiveError & e)
  {
    throw CheckpointError(path + ": not a PyTorch zip checkpoint (torch.save format of PyTorch >= 1.6), or damaged: " +
                          std::string(e.what()).substr(path.size() + 2));
  }
  catch (const std::exception & e)
  {
    throw CheckpointError(path + ": not a PyTorch zip checkpoint (torch.save format of PyTorch >= 1.6), or truncated: " +
                          std::string(e.what()).substr(0, 200));
  }
  const auto record = [&](const std::string & name) {
    try
    {
      auto [data, size] = reader->getRecord(name);
      return std::string(static_cast<const char *>(data.get()), size);
    }
    catch (const std::exception & e)
    {
      throw CheckpointError(path + ": cannot read record '" + name + "' (truncated or corrupt checkpoint)");
    }
  };
  if (!reader->hasRecord("data.pkl"))
  {
    throw CheckpointError(path + ": the archive has no data.pkl; not a torch.save checkpoint");
  }
  return UnpickleStateDict(record("data.pkl"), [&](const std::string & key) { return record("data/" + key); }, path);
}

} // namespace sinus
