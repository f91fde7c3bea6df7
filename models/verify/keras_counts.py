# Builds each zoo model in real Keras 3 (numpy backend; `pip install keras jax`) and
# prints total, trainable and non-trainable parameters: the numbers ZooTests pins.
# Run: python3 models/verify/keras_counts.py
import os
os.environ["KERAS_BACKEND"]="numpy"
import keras
from keras import layers as L
def count(m):
    m.summary(print_fn=lambda *a, **k: None)
    t=sum(int(w.numpy().size) for w in m.trainable_weights); n=sum(int(w.numpy().size) for w in m.non_trainable_weights)
    return t+n,t,n
def seq(shape, *ls):
    x=keras.Input(shape); y=x
    for l in ls: y=l(y)
    return keras.Model(x,y)
M={}
M['fashion_mlp']=seq((28,28),L.Flatten(),L.Dense(128,activation='relu'),L.Dense(10))
M['imdb_bow_l2']=seq((10000,),L.Dense(16),L.Dense(16),L.Dense(1))
M['imdb_bow_dropout']=seq((10000,),L.Dense(16),L.Dropout(0.5),L.Dense(16),L.Dropout(0.5),L.Dense(1))
M['hinton_dropout_mlp']=seq((784,),L.Dropout(0.2),L.Dense(500),L.Dropout(0.5),L.Dense(500),L.Dropout(.5),L.Dense(10))
M['ciresan_mlp']=seq((784,),*[L.Dense(u) for u in [2500,2000,1500,1000,500,10]])
M['alvinn']=seq((30,32),L.Flatten(),L.Dense(4),L.Dense(30))
M['lenet1']=seq((16,16,1),L.Conv2D(4,5,padding='same'),L.AveragePooling2D(2),L.Conv2D(12,5),L.AveragePooling2D(2),L.Flatten(),L.Dense(10))
M['lenet5']=seq((28,28,1),L.Conv2D(6,5,padding='same'),L.MaxPooling2D(2),L.Conv2D(16,5),L.MaxPooling2D(2),L.Flatten(),L.Dense(120),L.Dense(84),L.Dense(10))
M['nielsen_cnn']=seq((28,28,1),L.Conv2D(20,5),L.MaxPooling2D(2),L.Conv2D(40,5),L.MaxPooling2D(2),L.Flatten(),L.Dense(1000),L.Dropout(.5),L.Dense(1000),L.Dropout(.5),L.Dense(10))
def resnet():
    x=keras.Input((32,32,3))
    y=L.Conv2D(16,3,padding='same',use_bias=False)(x); y=L.BatchNormalization()(y); y=L.Activation('relu')(y)
    for _ in range(2):
        i=y
        y=L.Conv2D(16,3,padding='same',use_bias=False)(y); y=L.BatchNormalization()(y); y=L.Activation('relu')(y)
        y=L.Conv2D(16,3,padding='same',use_bias=False)(y); y=L.BatchNormalization()(y); y=L.Add()([i,y]); y=L.Activation('relu')(y)
    i=y
    y=L.Conv2D(32,3,strides=2,padding='same',use_bias=False)(y); y=L.BatchNormalization()(y); y=L.Activation('relu')(y)
    y=L.Conv2D(32,3,padding='same',use_bias=False)(y); y=L.BatchNormalization()(y)
    s=L.Conv2D(32,1,strides=2,use_bias=False)(i); s=L.BatchNormalization()(s)
    y=L.Add()([s,y]); y=L.Activation('relu')(y)
    y=L.GlobalAveragePooling2D()(y); y=L.Dense(10)(y)
    return keras.Model(x,y)
M['resnet_block']=resnet()
def mobilenet():
    x=keras.Input((28,28,1))
    y=L.Conv2D(16,3,strides=2,padding='same',use_bias=False)(x); y=L.BatchNormalization()(y); y=L.Activation('relu')(y)
    for f,s in [(32,1),(64,2),(64,1)]:
        y=L.DepthwiseConv2D(3,strides=s,padding='same',use_bias=False)(y); y=L.BatchNormalization()(y); y=L.Activation('relu')(y)
        y=L.Conv2D(f,1,use_bias=False)(y); y=L.BatchNormalization()(y); y=L.Activation('relu')(y)
    y=L.GlobalAveragePooling2D()(y); y=L.Dense(10,activation='softmax')(y)
    return keras.Model(x,y)
M['mobilenet_block']=mobilenet()
def se_cnn():
    x=keras.Input((28,28,1))
    y=L.Conv2D(16,3,padding='same',activation='relu')(x); y=L.MaxPooling2D(2)(y)
    f=L.Conv2D(32,3,padding='same',activation='relu')(y)
    g=L.GlobalAveragePooling2D()(f); g=L.Dense(8,activation='relu')(g); g=L.Dense(32,activation='sigmoid')(g)
    g=L.Reshape((1,1,32))(g); y=L.Multiply()([f,g])  # broadcasts [14,14,32] × [1,1,32]
    y=L.MaxPooling2D(2)(y); y=L.Flatten()(y); y=L.Dense(10,activation='softmax')(y)
    return keras.Model(x,y)
M['se_cnn']=se_cnn()
M['lfw_faces_cnn']=seq((25,25,1),L.Conv2D(16,4,activation='relu'),L.MaxPooling2D(2),L.Conv2D(32,3,activation='relu'),
                      L.MaxPooling2D(3),L.Flatten(),L.Dropout(0.25),L.Dense(2,activation='softmax'))
M['imdb_text_cnn']=seq((400,),L.Embedding(5000,50),L.Dropout(0.2),L.Conv1D(250,3,activation='relu'),L.GlobalMaxPooling1D(),
                      L.Dense(250,activation='relu'),L.Dropout(0.2),L.Dense(1,activation='sigmoid'))
M['chatterbot_languages']=seq((24,),L.Embedding(2000,32),L.Dropout(0.2),L.Conv1D(64,3,padding='same',activation='relu'),
                             L.GlobalMaxPooling1D(),L.Dense(5,activation='softmax'))
def unet_small():
    x=keras.Input((32,32,1))
    def twice(y,f): return L.Conv2D(f,3,padding='same',activation='relu')(L.Conv2D(f,3,padding='same',activation='relu')(y))
    e1=twice(x,16); e2=twice(L.MaxPooling2D(2)(e1),32); b=twice(L.MaxPooling2D(2)(e2),64)
    d2=twice(L.Concatenate()([L.Conv2DTranspose(32,2,strides=2)(b),e2]),32)
    d1=twice(L.Concatenate()([L.Conv2DTranspose(16,2,strides=2)(d2),e1]),16)
    return keras.Model(x,L.Conv2D(1,1,activation='sigmoid')(d1))
M['unet_small']=unet_small()
M['lstm_classifier']=seq((28,28),L.LSTM(128),L.Dense(10))
M['gru_classifier']=seq((28,28),L.GRU(128,reset_after=True),L.Dense(10))
M['causal_tcn']=seq((200,2),*[L.Conv1D(32,2,padding='causal',dilation_rate=d) for d in [1,2,4,8,16,32,64]],L.GlobalAveragePooling1D(),L.Dense(1))
M['imdb_embedding_bilstm']=seq((200,),L.Embedding(10000,64),L.Bidirectional(L.LSTM(32)),L.Dense(1))
M['bigru_classifier']=seq((28,28),L.Bidirectional(L.GRU(64,reset_after=True)),L.Dense(10))
M['stacked_lstm_layernorm']=seq((28,28),L.LSTM(64,return_sequences=True),L.LayerNormalization(),L.LSTM(64),L.Dense(10))
M['adding_lstm']=seq((50,2),L.LSTM(32),L.Dense(1))
M['digits_mlp']=seq((8,8),L.Flatten(),L.Dense(64),L.Dense(10))
M['iris_mlp']=seq((4,),L.Dense(16),L.Dense(3))
class PositionEmbedding(L.Layer):  # keras_hub's: sequence_length × features learned vectors
    def __init__(self, length): super().__init__(); self.length = length
    def build(self, shape): self.embeddings = self.add_weight(shape=(self.length, shape[-1]), name='embeddings')
    def call(self, x): return x + self.embeddings[:x.shape[1]]
def transformer_reverse():
    x=keras.Input((8,)); y=L.Embedding(11,32)(x); y=PositionEmbedding(8)(y)
    # keras_hub's TransformerEncoder(intermediate_dim=64, num_heads=4), post-norm
    a=L.MultiHeadAttention(4,8)(y,y); y=L.LayerNormalization(epsilon=1e-5)(L.Add()([y,a]))
    f=L.Dense(32)(L.Dense(64,activation='relu')(y)); y=L.LayerNormalization(epsilon=1e-5)(L.Add()([y,f]))
    return keras.Model(x,L.Dense(11,activation='softmax')(y))
M['transformer_reverse']=transformer_reverse()
M['snn_mlp']=seq((8,8),L.Flatten(),L.Dense(128,activation='selu',kernel_initializer='lecun_normal'),L.AlphaDropout(0.05),L.Dense(128,activation='selu',kernel_initializer='lecun_normal'),L.AlphaDropout(0.05),L.Dense(10,activation='softmax'))
# 10,000 conv layers of 16→16 3x3: count one and multiply (building 10,000 Keras layers is slow).
one=seq((28,28,16),L.Conv2D(16,3,padding='same'))
stem=seq((28,28,1),L.Conv2D(16,3,padding='same'))
head=seq((28,28,16),L.GlobalAveragePooling2D(),L.Dense(10))
t=count(stem)[0]+9999*count(one)[0]+count(head)[0]
M_counts={k:count(v) for k,v in M.items()}
M_counts['deep_cnn_10000']=(t,t,0)
for k,v in sorted(M_counts.items()): print(k, *v)
