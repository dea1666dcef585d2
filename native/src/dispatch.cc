// callOp(name, overload, args): calls any ATen operator through the c10 dispatcher, boxed.
// JS arguments are converted to IValues by the operator's own schema, so autograd, type promotion
// and shape checks are libtorch's. This is the whole op surface of the bridge; src/tensor/ gives it types.
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/ivalue.h>
#include <ATen/core/stack.h>
#include <torch/version.h>
#include <unordered_map>
#include "common.h"

namespace gim {
namespace {

std::unordered_map<std::string, c10::OperatorHandle>& opCache() {
  static std::unordered_map<std::string, c10::OperatorHandle> cache;
  return cache;
}

const c10::OperatorHandle& findOp(Napi::Env env, const std::string& name, const std::string& overload) {
  auto key = name + "." + overload;
  auto& cache = opCache();
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  auto op = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!op) throw Napi::Error::New(env, "unknown operator " + name + (overload.empty() ? "" : "." + overload));
  return cache.emplace(key, *op).first->second;
}

c10::IValue toIValue(const Napi::Value& v, const c10::TypePtr& type, const std::string& what, c10::optional<int32_t> n);

template <typename T, typename Conv>
c10::IValue toList(const Napi::Value& v, const std::string& what, c10::optional<int32_t> n, Conv conv) {
  c10::List<T> out;
  if (v.IsArray()) {
    auto arr = v.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(conv(arr.Get(i), what + "[" + std::to_string(i) + "]"));
  } else if (n) {  // `int[2] stride=1` also accepts one number, as in Python
    auto one = conv(v, what);
    for (int32_t i = 0; i < *n; i++) out.push_back(one);
  } else {
    throw Napi::TypeError::New(v.Env(), what + ": expected an array");
  }
  return out;
}

c10::IValue toIValue(const Napi::Value& v, const c10::TypePtr& type, const std::string& what, c10::optional<int32_t> n) {
  Napi::Env env = v.Env();
  switch (type->kind()) {
    case c10::TypeKind::OptionalType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      return toIValue(v, type->expectRef<c10::OptionalType>().getElementType(), what, n);
    case c10::TypeKind::TensorType:
      return unwrapTensor(v, what);
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
      return toInt(v, what);
    case c10::TypeKind::FloatType:
#if TORCH_VERSION_MAJOR >= 2
    case c10::TypeKind::SymFloatType:
#endif
      return toDouble(v, what);
    case c10::TypeKind::BoolType:
#if TORCH_VERSION_MAJOR >= 2
    case c10::TypeKind::SymBoolType:
#endif
      if (!v.IsBoolean()) throw Napi::TypeError::New(env, what + ": expected a boolean");
      return v.As<Napi::Boolean>().Value();
    case c10::TypeKind::NumberType:  // Scalar: integral numbers stay integral so int tensors keep their dtype
      if (v.IsBoolean()) return c10::Scalar(v.As<Napi::Boolean>().Value());
      if (v.IsNumber()) {
        double d = v.As<Napi::Number>().DoubleValue();
        if (std::isfinite(d) && std::floor(d) == d && std::abs(d) < 9.0e15) return c10::Scalar(static_cast<int64_t>(d));
        return c10::Scalar(d);
      }
      throw Napi::TypeError::New(env, what + ": expected a number");
    case c10::TypeKind::StringType:
      if (!v.IsString()) throw Napi::TypeError::New(env, what + ": expected a string");
      return v.As<Napi::String>().Utf8Value();
    case c10::TypeKind::DeviceObjType:
      if (!v.IsString()) throw Napi::TypeError::New(env, what + ": expected a device string such as 'cpu' or 'cuda:0'");
      return c10::Device(v.As<Napi::String>().Utf8Value());
    case c10::TypeKind::GeneratorType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      throw Napi::TypeError::New(env, what + ": generators are not supported; use manualSeed");
    case c10::TypeKind::ListType: {
      auto elem = type->expectRef<c10::ListType>().getElementType();
      switch (elem->kind()) {
        case c10::TypeKind::IntType:
        case c10::TypeKind::SymIntType:
          return toList<int64_t>(v, what, n, [](const Napi::Value& x, const std::string& w) { return toInt(x, w); });
        case c10::TypeKind::FloatType:
          return toList<double>(v, what, n, [](const Napi::Value& x, const std::string& w) { return toDouble(x, w); });
        case c10::TypeKind::BoolType:
          return toList<bool>(v, what, n, [](const Napi::Value& x, const std::string& w) {
            if (!x.IsBoolean()) throw Napi::TypeError::New(x.Env(), w + ": expected a boolean");
            return x.As<Napi::Boolean>().Value();
          });
        case c10::TypeKind::TensorType:
          return toList<at::Tensor>(v, what, c10::nullopt, [](const Napi::Value& x, const std::string& w) { return unwrapTensor(x, w); });
        case c10::TypeKind::OptionalType:  // Tensor?[] (indexing)
          return toList<c10::optional<at::Tensor>>(v, what, c10::nullopt, [](const Napi::Value& x, const std::string& w) {
            return (x.IsNull() || x.IsUndefined()) ? c10::optional<at::Tensor>() : c10::optional<at::Tensor>(unwrapTensor(x, w));
          });
        default:
          throw Napi::TypeError::New(env, what + ": unsupported list type " + type->str());
      }
    }
    default:
      throw Napi::TypeError::New(env, what + ": unsupported argument type " + type->str());
  }
}

Napi::Value toJs(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) return wrapTensor(env, v.toTensor());
  if (v.isNone()) return env.Null();
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isTuple() || v.isList()) {
    auto elems = v.isTuple() ? v.toTupleRef().elements().vec() : v.toListRef().vec();
    auto arr = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); i++) arr.Set(i, toJs(env, elems[i]));
    return arr;
  }
  throw Napi::Error::New(env, "unsupported return type " + v.tagKind());
}

Napi::Value CallOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info[1].As<Napi::String>().Utf8Value();
  if (!info[2].IsArray()) throw Napi::TypeError::New(env, name + ": arguments must be an array");
  auto args = info[2].As<Napi::Array>();
  const auto& op = findOp(env, name, overload);
  const auto& formals = op.schema().arguments();
  if (args.Length() > formals.size()) {
    throw Napi::TypeError::New(env, name + ": " + std::to_string(args.Length()) + " arguments given, schema takes " +
                                        std::to_string(formals.size()) + ": " + c10::toString(op.schema()));
  }
  torch::jit::Stack stack;
  stack.reserve(formals.size());
  for (size_t i = 0; i < formals.size(); i++) {
    const auto& f = formals[i];
    Napi::Value v = i < args.Length() ? args.Get(i) : env.Undefined();
    if (v.IsUndefined()) {
      if (f.default_value()) {
        stack.push_back(*f.default_value());
        continue;
      }
      if (f.type()->kind() == c10::TypeKind::OptionalType) {
        stack.emplace_back();
        continue;
      }
      throw Napi::TypeError::New(env, name + ": missing argument '" + f.name() + "'");
    }
    stack.push_back(toIValue(v, f.type(), name + "(" + f.name() + ")", f.N()));
  }
  op.callBoxed(&stack);
  if (stack.size() == 1) return toJs(env, stack[0]);
  auto out = Napi::Array::New(env, stack.size());
  for (size_t i = 0; i < stack.size(); i++) out.Set(i, toJs(env, stack[i]));
  return out;
}

Napi::Value Schema(const Napi::CallbackInfo& info) {
  const auto& op = findOp(info.Env(), info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value());
  return Napi::String::New(info.Env(), c10::toString(op.schema()));
}

}  // namespace

void initDispatch(Napi::Env env, Napi::Object exports) {
  exports.Set("callOp", Napi::Function::New(env, guarded<CallOp>));
  exports.Set("schema", Napi::Function::New(env, guarded<Schema>));
}

}  // namespace gim
